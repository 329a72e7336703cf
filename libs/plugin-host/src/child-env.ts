import { GO_PLUGIN_HANDSHAKE, GO_PLUGIN_LEGACY_COOKIE } from '@plugway/proto';
import type { HandshakeConfig } from './handshake.js';

// Host variables a plugin may need to run at all; nothing else of the host's environment (which holds
// registry passwords, API tokens …) reaches the child unless the caller passes it explicitly.
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'];

export interface ChildEnvOptions {
  handshake: HandshakeConfig;
  hostEnv: Readonly<Record<string, string | undefined>>;
  pluginEnv?: Readonly<Record<string, string>>;
  minPort?: number;
  maxPort?: number;
}

/** Builds the minimal environment for a go-plugin child: inherited basics, plugin env, then the handshake cookie(s). */
export function buildChildEnv(opts: ChildEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED) {
    const v = opts.hostEnv[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, opts.pluginEnv ?? {});
  // Plugins built with AI Studio's default handshake check AI_STUDIO_PLUGIN; those built in 2025 for its gateway check
  // MICROGATEWAY_PLUGIN. With the default handshake both are set, so either kind starts.
  if (opts.handshake.magicCookieKey === GO_PLUGIN_HANDSHAKE.magicCookieKey) env[GO_PLUGIN_LEGACY_COOKIE.magicCookieKey] = GO_PLUGIN_LEGACY_COOKIE.magicCookieValue;
  env[opts.handshake.magicCookieKey] = opts.handshake.magicCookieValue;
  env.PLUGIN_PROTOCOL_VERSIONS = opts.handshake.appProtocolVersions.join(',');
  env.PLUGIN_MIN_PORT = String(opts.minPort ?? 10000);
  env.PLUGIN_MAX_PORT = String(opts.maxPort ?? 25000);
  return env;
}
