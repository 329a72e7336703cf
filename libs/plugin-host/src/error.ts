import { PlugwayError } from '@plugway/core';

/** Every code @plugway/plugin-host throws or reports. Append-only. */
export type PluginHostErrorCode =
  | 'PLUGIN_INVALID_OPTIONS'
  | 'PLUGIN_SPAWN_FAILED'
  | 'PLUGIN_HANDSHAKE_FAILED'
  | 'PLUGIN_HANDSHAKE_TIMEOUT'
  | 'PLUGIN_PROTOCOL_UNSUPPORTED'
  | 'PLUGIN_EXITED'
  | 'PLUGIN_CONNECT_FAILED'
  | 'PLUGIN_UNHEALTHY'
  | 'PLUGIN_CALL_FAILED'
  | 'PLUGIN_CALL_TIMEOUT'
  | 'PLUGIN_CALL_ABORTED'
  | 'PLUGIN_UNKNOWN_METHOD'
  | 'PLUGIN_CLOSED'
  | 'PLUGIN_UNAVAILABLE'
  | 'PLUGIN_RESTART_LIMIT'
  | 'PLUGIN_SANDBOX_FAILED'
  | 'PLUGIN_RUN_AS_ROOT_REFUSED'
  | 'PLUGIN_CONFIG_INFO_FAILED';

/** The only error class @plugway/plugin-host throws. */
export class PluginHostError extends PlugwayError<PluginHostErrorCode> {}
