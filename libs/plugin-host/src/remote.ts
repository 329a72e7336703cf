import { isIPv6 } from 'node:net';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { GO_PLUGIN_HEALTH_SERVICE } from '@plugway/proto';
import { PluginHostError } from './error.js';
import { GrpcConnection, type HealthStatus, type PluginConnection } from './connection.js';

export interface RemoteTlsOptions {
  /** PEM CA bundle to trust (default: the system roots). */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) for mTLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface RemoteOptions {
  /** The IP address the security policy resolved. It is dialled as is and never resolved again. */
  address: string;
  port: number;
  /** Host name for TLS verification and :authority (the name from the grpc:// command). */
  serverName?: string;
  tls?: RemoteTlsOptions;
  id?: string;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Health service to check; a server without grpc.health.v1 is asked PluginService.Ping instead. */
  healthService?: string;
}

class RemoteConnection extends GrpcConnection implements PluginConnection {
  readonly kind = 'remote' as const;
  readonly pid = undefined;

  /**
   * grpc.health.v1 when the server has it; otherwise (a plain gRPC server registering only plugin.PluginService, as
   * AI Studio's remote plugins are) the plugin's own Ping: healthy → SERVING, unhealthy or failing → NOT_SERVING.
   */
  override async health(opts?: { deadlineMs?: number }): Promise<HealthStatus> {
    const status = await super.health(opts);
    if (status !== 'UNKNOWN' || this.closed) return status;
    const out = await this.callHook('ping', { timestamp: String(Date.now()) }, { deadlineMs: opts?.deadlineMs ?? 2000 });
    if (out.status === 'ok') return out.response.healthy ? 'SERVING' : 'NOT_SERVING';
    return out.error.details?.['grpcCode'] === grpc.status.UNIMPLEMENTED ? 'UNKNOWN' : 'NOT_SERVING';
  }
  async close(): Promise<void> {
    this.closeChannel();
    this.emit('exit', { code: null, signal: null, expected: true });
  }
}

/**
 * Connects to a remote grpc:// plugin at an already-resolved address (no DNS-rebinding window).
 * @throws PluginHostError PLUGIN_INVALID_OPTIONS, PLUGIN_CONNECT_FAILED, PLUGIN_UNHEALTHY
 */
export async function connectRemote(opts: RemoteOptions): Promise<PluginConnection> {
  if (!opts.address || !Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new PluginHostError({ code: 'PLUGIN_INVALID_OPTIONS', message: `remote plugin needs an address and a port 1-65535, got ${opts.address}:${opts.port}` });
  }
  const target = `${isIPv6(opts.address) ? `[${opts.address}]` : opts.address}:${opts.port}`;
  const credentials = opts.tls
    ? grpc.credentials.createSsl(toBuf(opts.tls.ca), toBuf(opts.tls.key), toBuf(opts.tls.cert))
    : grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions = {};
  if (opts.serverName) {
    channelOptions['grpc.default_authority'] = opts.serverName;
    if (opts.tls) channelOptions['grpc.ssl_target_name_override'] = opts.serverName;
  }
  const conn = new RemoteConnection({
    id: opts.id ?? randomUUID(), target, credentials, channelOptions,
    hookTarget: {
      kind: 'tcp', host: opts.address, port: opts.port, ...(opts.serverName ? { authority: opts.serverName } : {}),
      ...(opts.tls ? { tls: { ...(opts.tls.ca ? { ca: toBuf(opts.tls.ca)! } : {}), ...(opts.tls.cert ? { cert: toBuf(opts.tls.cert)! } : {}), ...(opts.tls.key ? { key: toBuf(opts.tls.key)! } : {}), ...(opts.serverName ? { servername: opts.serverName } : {}) } } : {}),
    },
    callTimeoutMs: opts.callTimeoutMs ?? 5_000, healthService: opts.healthService ?? GO_PLUGIN_HEALTH_SERVICE,
  });
  try {
    await conn.waitReady(opts.connectTimeoutMs ?? 5_000);
    if ((await conn.health()) === 'NOT_SERVING') {
      throw new PluginHostError({ code: 'PLUGIN_UNHEALTHY', message: `remote plugin at ${target} reports NOT_SERVING`, details: { target } });
    }
  } catch (e) {
    await conn.close();
    throw e;
  }
  return conn;
}

function toBuf(v: string | Buffer | undefined): Buffer | null {
  return v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
}
