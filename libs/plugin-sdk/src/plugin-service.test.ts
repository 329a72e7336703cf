import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { pluginServiceImpl, SdkError } from './index.js';

// Calls one unary handler of the implementation in-process.
function call<Res>(handler: unknown, request: unknown): Promise<{ err: grpc.ServiceError | null; res?: Res }> {
  const serverCall = Object.assign(new EventEmitter(), { request, metadata: new grpc.Metadata() }) as unknown as grpc.ServerUnaryCall<unknown, Res>;
  return new Promise((resolve) => (handler as grpc.handleUnaryCall<unknown, Res>)(serverCall, (err, res) => resolve({ err: err as grpc.ServiceError | null, res: res ?? undefined })));
}

describe('pluginServiceImpl', () => {
  describe('when a hook throws', () => {
    it.each([
      ['a coded error', new SdkError({ code: 'SDK_HOOK_FAILED', message: 'nope' }), grpc.status.INTERNAL, 'SDK_HOOK_FAILED: nope'],
      ['a config error', new SdkError({ code: 'SDK_CONFIG_INVALID', message: 'bad keys' }), grpc.status.INVALID_ARGUMENT, 'SDK_CONFIG_INVALID: bad keys'],
      ['a plain Error', new Error('boom'), grpc.status.INTERNAL, 'SDK_HOOK_FAILED: boom'],
      ['a string', 'just text', grpc.status.INTERNAL, 'SDK_HOOK_FAILED: just text'],
      ['a grpc-style error', { code: grpc.status.PERMISSION_DENIED, details: 'tenant blocked' }, grpc.status.PERMISSION_DENIED, 'tenant blocked'],
    ])('answers %s as a gRPC status with the code in the message', async (_name, thrown, status, details) => {
      const impl = pluginServiceImpl({ hooks: { preAuth: async () => { throw thrown; } } });
      const { err } = await call(impl.processPreAuth, pluginpb.PluginRequest.fromPartial({}));
      expect(err?.code).toBe(status);
      expect(err?.details).toBe(details);
    });

    it('also catches a hook that throws synchronously', async () => {
      const impl = pluginServiceImpl({ hooks: { initialize: (() => { throw new Error('sync'); }) as never } });
      const { err } = await call(impl.initialize, pluginpb.InitRequest.fromPartial({}));
      expect(err?.details).toBe('SDK_HOOK_FAILED: sync');
    });
  });

  describe('when a hook is missing', () => {
    it('passes requests through', async () => {
      const impl = pluginServiceImpl({ hooks: {}, manifest: { name: 'm' } });
      expect((await call<pluginpb.PluginResponse>(impl.processPreAuth, pluginpb.PluginRequest.fromPartial({ headers: { a: '1' } }))).res).toMatchObject({ modified: false, headers: { a: '1' } });
      expect((await call<pluginpb.PluginResponse>(impl.processPostAuth, pluginpb.EnrichedRequest.fromPartial({ request: { headers: { a: '1' } } }))).res).toMatchObject({ modified: false, headers: { a: '1' } });
      const body = Buffer.from('x');
      expect((await call<pluginpb.ResponseWriteResponse>(impl.onBeforeWrite, pluginpb.ResponseWriteRequest.fromPartial({ body, headers: { b: '2' } }))).res).toMatchObject({ modified: false, body, headers: { b: '2' } });
      expect((await call<pluginpb.HeadersResponse>(impl.onBeforeWriteHeaders, pluginpb.HeadersRequest.fromPartial({ headers: { c: '3' } }))).res).toMatchObject({ modified: false, headers: { c: '3' } });
      expect((await call<pluginpb.AuthResponse>(impl.authenticate, pluginpb.AuthRequest.fromPartial({}))).res?.authenticated).toBe(false);
      expect((await call<pluginpb.InitResponse>(impl.initialize, pluginpb.InitRequest.fromPartial({}))).res?.success).toBe(true);
      expect((await call<pluginpb.GetManifestResponse>(impl.getManifest, {})).res?.manifestJson).toBe('{"name":"m"}');
      expect((await call<pluginpb.GetConfigSchemaResponse>(impl.getConfigSchema, {})).res?.schemaJson).toBe('{"type":"object"}');
      expect((await call<pluginpb.PingResponse>(impl.ping, { timestamp: 5 })).res).toMatchObject({ timestamp: 5, healthy: true });
      expect((await call<pluginpb.DataCollectionResponse>(impl.handleAnalytics, pluginpb.AnalyticsRequest.fromPartial({}))).res?.success).toBe(true);
      expect((await call<pluginpb.DataCollectionResponse>(impl.handleProxyLog, pluginpb.ProxyLogRequest.fromPartial({}))).res?.success).toBe(true);
    });
  });

  describe('when getManifest / getConfigSchema hooks exist', () => {
    it('prefers them over the static options', async () => {
      const impl = pluginServiceImpl({
        hooks: { getManifest: async () => ({ name: 'dyn' }), getConfigSchema: async () => ({ type: 'object', required: ['k'] }) },
        manifest: { name: 'static' },
      });
      expect((await call<pluginpb.GetManifestResponse>(impl.getManifest, {})).res?.manifestJson).toBe('{"name":"dyn"}');
      expect(JSON.parse((await call<pluginpb.GetConfigSchemaResponse>(impl.getConfigSchema, {})).res!.schemaJson)).toEqual({ type: 'object', required: ['k'] });
    });
  });

  it('lets initialize refuse its config with success=false', async () => {
    const impl = pluginServiceImpl({ hooks: { initialize: async () => ({ success: false, errorMessage: 'no' }) } });
    expect((await call<pluginpb.InitResponse>(impl.initialize, pluginpb.InitRequest.fromPartial({}))).res).toMatchObject({ success: false, errorMessage: 'no' });
  });
});
