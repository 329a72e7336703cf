import { describe, expect, it } from 'vitest';
import { encodeGrpcFrame, pluginpb } from './index.js';

describe('encodeGrpcFrame', () => {
  const unframe = (b: Buffer) => { expect(b[0]).toBe(0); expect(b.readUInt32BE(1)).toBe(b.length - 5); return pluginpb.PluginRequest.decode(b.subarray(5)); };

  it('gives every call its own frame from the shared writer, also after a failed or a large encode', () => {
    const a = encodeGrpcFrame(pluginpb.PluginRequest, pluginpb.PluginRequest.fromPartial({ path: '/a', headers: { k: 'v' } }));
    const big = encodeGrpcFrame(pluginpb.PluginRequest, pluginpb.PluginRequest.fromPartial({ path: '/big', body: Buffer.alloc(100_000, 1) }));
    expect(() => encodeGrpcFrame(pluginpb.PluginRequest, { path: 1n } as unknown as pluginpb.PluginRequest)).toThrow();
    const b = encodeGrpcFrame(pluginpb.PluginRequest, pluginpb.PluginRequest.fromPartial({ path: '/b' }));
    expect(unframe(a)).toMatchObject({ path: '/a', headers: { k: 'v' } });
    expect(unframe(big).body.length).toBe(100_000);
    expect(unframe(b)).toMatchObject({ path: '/b', headers: {} });
  });
});
