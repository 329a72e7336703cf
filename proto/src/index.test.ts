import { describe, expect, it } from 'vitest';
import { configproviderpb, gopluginpb, healthpb, pluginpb } from './index.js';

describe('@plugway/proto', () => {
  it('round-trips a PluginRequest through the wire format', () => {
    const req = pluginpb.PluginRequest.fromPartial({
      method: 'POST', path: '/v1/chat', headers: { 'x-a': '1' }, body: Buffer.from('{}'),
      context: { requestId: 'r1', llmId: 7, metadata: { k: 'v' } }, remoteAddr: '127.0.0.1:5',
    });
    const back = pluginpb.PluginRequest.decode(pluginpb.PluginRequest.encode(req).finish());
    expect(back).toEqual(req);
  });
  it('keeps the wire field numbers of the upstream contract', () => {
    // PluginResponse.block is field 5 (varint): tag byte 0x28.
    const bytes = pluginpb.PluginResponse.encode(pluginpb.PluginResponse.fromPartial({ block: true })).finish();
    expect(Buffer.from(bytes).toString('hex')).toBe('2801');
    // PluginContext.llm_id is field 3 (varint): tag byte 0x18; app_id is field 5 (0x28), after llm_slug (4).
    expect(Buffer.from(pluginpb.PluginContext.encode(pluginpb.PluginContext.fromPartial({ llmId: 1 })).finish()).toString('hex')).toBe('1801');
    expect(Buffer.from(pluginpb.PluginContext.encode(pluginpb.PluginContext.fromPartial({ appId: 22 })).finish()).toString('hex')).toBe('2816');
    // GetManifestResponse.success is field 1 (tag 0x08).
    expect(Buffer.from(pluginpb.GetManifestResponse.encode(pluginpb.GetManifestResponse.fromPartial({ success: true })).finish()).toString('hex')).toBe('0801');
  });
  it('serves the services under their go-plugin / gRPC wire names', () => {
    expect(pluginpb.PluginServiceService.processPreAuth.path).toBe('/plugin.PluginService/ProcessPreAuth');
    expect(gopluginpb.GRPCControllerService.shutdown.path).toBe('/plugin.GRPCController/Shutdown');
    expect(gopluginpb.GRPCStdioService.streamStdio.path).toBe('/plugin.GRPCStdio/StreamStdio');
    expect(gopluginpb.GRPCBrokerService.startStream.path).toBe('/plugin.GRPCBroker/StartStream');
    expect(healthpb.HealthService.check.path).toBe('/grpc.health.v1.Health/Check');
    expect(configproviderpb.ConfigProviderServiceService.getConfigSchema.path).toBe('/config_provider.ConfigProviderService/GetConfigSchema');
    expect(Object.keys(pluginpb.PluginServiceService)).toHaveLength(35);
  });
});
