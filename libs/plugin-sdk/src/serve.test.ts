import { describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import * as api from './index.js';
import { pluginServiceImpl, SdkError } from './index.js';

// Calls one unary handler of the implementation in-process.
function call<Res>(handler: unknown, request: unknown): Promise<{ err: grpc.ServiceError | null; res?: Res }> {
  return new Promise((resolve) => (handler as grpc.handleUnaryCall<unknown, Res>)({ request } as grpc.ServerUnaryCall<unknown, Res>, (err, res) => resolve({ err: err as grpc.ServiceError | null, res: res ?? undefined })));
}

describe('@plugway/plugin-sdk', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['SDK_DEFAULT_HANDSHAKE', 'SdkError', 'pluginServiceImpl', 'servePlugin']);
  });
  it('turns a hook exception into a gRPC INTERNAL status carrying the coded message', async () => {
    const impl = pluginServiceImpl({ hooks: { preAuth: async () => { throw new SdkError({ code: 'SDK_HOOK_FAILED', message: 'nope' }); } } });
    const { err } = await call(impl.processPreAuth, pluginpb.PluginRequest.fromPartial({}));
    expect(err?.code).toBe(grpc.status.INTERNAL);
    expect(err?.details).toBe('SDK_HOOK_FAILED: nope');
  });
  it('answers pass-through responses for missing hooks', async () => {
    const impl = pluginServiceImpl({ hooks: {}, manifest: { name: 'm' } });
    expect((await call<pluginpb.PluginResponse>(impl.processPostAuth, pluginpb.EnrichedRequest.fromPartial({ request: { headers: { a: '1' } } }))).res).toMatchObject({ modified: false, headers: { a: '1' } });
    expect((await call<pluginpb.AuthResponse>(impl.authenticate, pluginpb.AuthRequest.fromPartial({}))).res?.authenticated).toBe(false);
    expect((await call<pluginpb.GetManifestResponse>(impl.getManifest, {})).res?.manifestJson).toBe('{"name":"m"}');
    expect((await call<pluginpb.PingResponse>(impl.ping, { timestamp: '5' })).res).toMatchObject({ timestamp: '5', healthy: true });
    expect((await call<pluginpb.DataCollectionResponse>(impl.handleAnalytics, pluginpb.AnalyticsRequest.fromPartial({}))).res?.success).toBe(true);
  });
});
