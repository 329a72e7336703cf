// The host side of go-plugin's own services that plugins built with go-plugin ≥ 1.2 serve next to PluginService:
// GRPCStdio (the plugin's stdout/stderr, which the host must keep reading) and GRPCBroker (how a plugin reaches
// services the host offers). plugway offers no host services, so its broker answers every request with a refusal.
import * as grpc from '@grpc/grpc-js';
import { gopluginpb } from '@plugway/proto';
import type { Logger } from '@plugway/core';
import { forwardPluginLog } from './plugin-log.js';

/** Longest partial line kept while waiting for its newline; longer output is logged in pieces of this size. */
const MAX_LINE = 64 * 1024;

export const BROKER_REFUSAL = 'this plugway host offers no services over the go-plugin GRPCBroker';

/**
 * Reads `plugin.GRPCStdio/StreamStdio` into the plugin's log, line by line and per channel, as fast as it comes (so a
 * plugin writing a lot never blocks). Plugins without the service (go-plugin < 1.2, other SDKs) answer UNIMPLEMENTED,
 * which ends the reader quietly. `plugin` is the plugin's client, whose channel is shared. Returns a stop function.
 */
export function readStdio(plugin: grpc.Client, target: string, logger: Logger): () => void {
  const client = new gopluginpb.GRPCStdioClient(target, grpc.credentials.createInsecure(), { channelOverride: plugin.getChannel() });
  const call = client.streamStdio({});
  const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const flush = (stream: 'stdout' | 'stderr', all: boolean): void => {
    const text = pending[stream];
    const lines = text.split('\n');
    pending[stream] = all ? '' : lines.pop() ?? '';
    for (const line of lines) forwardPluginLog(logger, stream, line);
    while (pending[stream].length > MAX_LINE) {
      forwardPluginLog(logger, stream, pending[stream].slice(0, MAX_LINE));
      pending[stream] = pending[stream].slice(MAX_LINE);
    }
  };
  call.on('data', (d: gopluginpb.StdioData) => {
    const stream = d.channel === gopluginpb.StdioData_Channel.STDERR ? 'stderr' : 'stdout';
    pending[stream] += Buffer.from(d.data).toString('utf8');
    flush(stream, false);
  });
  const end = (): void => { flush('stdout', true); flush('stderr', true); };
  call.on('end', end);
  call.on('error', (e: grpc.ServiceError) => {
    end();
    if (e.code !== grpc.status.UNIMPLEMENTED && e.code !== grpc.status.CANCELLED && e.code !== grpc.status.UNAVAILABLE) {
      logger.debug('plugin stdio stream ended', { grpcCode: e.code, message: e.details });
    }
  });
  return () => { call.cancel(); client.close(); };
}

/**
 * Runs the `plugin.GRPCBroker/StartStream` control stream the way a go-plugin host does, and refuses every
 * connection request on it: a multiplexed "knock" is answered `ack: false` with `BROKER_REFUSAL`; a plain offer of a
 * plugin-side service is logged and left unused. Returns a stop function.
 */
export function runBroker(plugin: grpc.Client, target: string, logger: Logger): () => void {
  const client = new gopluginpb.GRPCBrokerClient(target, grpc.credentials.createInsecure(), { channelOverride: plugin.getChannel() });
  const call = client.startStream();
  call.on('data', (info: gopluginpb.ConnInfo) => {
    if (info.knock?.knock && !info.knock.ack) {
      logger.warn('plugin asked for a host service over the GRPCBroker; refused', { serviceId: info.serviceId });
      call.write(gopluginpb.ConnInfo.fromPartial({ serviceId: info.serviceId, knock: { knock: true, ack: false, error: BROKER_REFUSAL } }));
    } else {
      logger.debug('plugin offered a service over the GRPCBroker; plugway does not use it', { serviceId: info.serviceId });
    }
  });
  call.on('error', () => undefined);
  return () => { call.cancel(); client.close(); };
}
