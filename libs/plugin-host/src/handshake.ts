import { GO_PLUGIN_CORE_PROTOCOL_VERSION, GO_PLUGIN_HANDSHAKE } from '@plugway/proto';
import { PluginHostError } from './error.js';

/** The go-plugin handshake: a magic cookie the plugin checks, and the app protocol version. */
export interface HandshakeConfig {
  magicCookieKey: string;
  magicCookieValue: string;
  /** App protocol versions the host speaks; the plugin answers with the one it chose. */
  appProtocolVersions: number[];
}

/** AI Studio / microgateway's handshake (go-plugin `HandshakeConfig`). */
export const DEFAULT_HANDSHAKE: Readonly<HandshakeConfig> = Object.freeze({
  magicCookieKey: GO_PLUGIN_HANDSHAKE.magicCookieKey,
  magicCookieValue: GO_PLUGIN_HANDSHAKE.magicCookieValue,
  appProtocolVersions: [GO_PLUGIN_HANDSHAKE.appProtocolVersion],
});

/** go-plugin's core protocol version; anything else is refused. */
export const CORE_PROTOCOL_VERSION = GO_PLUGIN_CORE_PROTOCOL_VERSION;

export interface HandshakeLine {
  coreVersion: number;
  appVersion: number;
  network: 'tcp' | 'unix';
  address: string;
  protocol: 'grpc';
  /** Base64 DER of the plugin's server certificate (go-plugin AutoMTLS), when sent. */
  serverCert?: string;
}

/**
 * Parses `CORE|APP|NETWORK|ADDR|PROTOCOL[|CERT]` (go-plugin's stdout handshake).
 * @throws PluginHostError PLUGIN_HANDSHAKE_FAILED, PLUGIN_PROTOCOL_UNSUPPORTED
 */
export function parseHandshakeLine(raw: string, appVersions: readonly number[]): HandshakeLine {
  const line = raw.trim();
  const fail = (why: string, code: 'PLUGIN_HANDSHAKE_FAILED' | 'PLUGIN_PROTOCOL_UNSUPPORTED' = 'PLUGIN_HANDSHAKE_FAILED'): never => {
    throw new PluginHostError({ code, message: `plugin handshake rejected: ${why}`, details: { line: line.slice(0, 200) } });
  };
  const parts = line.split('|');
  if (parts.length < 4) fail('expected CORE|APP|NETWORK|ADDR|PROTOCOL on the first stdout line');
  const [core, app, network, address, protocol = 'netrpc', cert] = parts as [string, string, string, string, string?, string?];
  const coreVersion = /^\d+$/.test(core) ? Number(core) : NaN;
  if (coreVersion !== CORE_PROTOCOL_VERSION) fail(`core protocol version "${core}" is not ${CORE_PROTOCOL_VERSION}`, 'PLUGIN_PROTOCOL_UNSUPPORTED');
  const appVersion = /^\d+$/.test(app) ? Number(app) : NaN;
  if (!appVersions.includes(appVersion)) fail(`app protocol version "${app}" is not one of ${appVersions.join(', ')}`, 'PLUGIN_PROTOCOL_UNSUPPORTED');
  if (network !== 'tcp' && network !== 'unix') fail(`network "${network}" is neither tcp nor unix`);
  if (!address) fail('empty network address');
  if (network === 'tcp' && !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|localhost):\d{1,5}$/.test(address)) fail(`tcp address "${address}" is not host:port`);
  if (network === 'unix' && !address.startsWith('/')) fail(`unix socket path "${address}" is not absolute`);
  if (protocol !== 'grpc') fail(`protocol "${protocol}" is not supported (only grpc)`, 'PLUGIN_PROTOCOL_UNSUPPORTED');
  return { coreVersion, appVersion, network: network as 'tcp' | 'unix', address, protocol: 'grpc', ...(cert ? { serverCert: cert } : {}) };
}
