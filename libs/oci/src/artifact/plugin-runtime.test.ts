import { describe, expect, it } from 'vitest';
import { decodePluginConfig, encodePluginConfig } from './plugin-runtime.js';

describe('plugin config (runtime)', () => {
  it('round-trips a runtime', () => {
    const rt = { name: 'node', minVersion: '20.19.0' };
    expect(decodePluginConfig(encodePluginConfig(rt), 'r')).toEqual(rt);
    expect(decodePluginConfig(encodePluginConfig({ name: 'node' }), 'r')).toEqual({ name: 'node' });
  });

  it.each([
    ['not JSON', 'nope'],
    ['no runtime', '{}'],
    ['a bad name', '{"runtime":{"name":"Node JS"}}'],
    ['a bad version', '{"runtime":{"name":"node","minVersion":">=20"}}'],
  ])('refuses a config with %s as OCI_INVALID_ARTIFACT', (_, text) => {
    expect(() => decodePluginConfig(Buffer.from(text), 'reg/x:1')).toThrow(expect.objectContaining({ code: 'OCI_INVALID_ARTIFACT' }));
  });
});
