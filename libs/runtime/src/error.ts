import { PlugwayError } from '@plugway/core';

/** Every code @plugway/runtime throws. Append-only. Lower-level codes travel in `details.causeCode`. */
export type RuntimeErrorCode =
  | 'RUNTIME_INVALID_SETTINGS'
  | 'RUNTIME_INVALID_SPEC'
  | 'RUNTIME_COMMAND_INVALID'
  | 'RUNTIME_POLICY_DENIED'
  | 'RUNTIME_OCI_DISABLED'
  | 'RUNTIME_OCI_PULL_FAILED'
  | 'RUNTIME_LAUNCH_FAILED'
  | 'RUNTIME_PLUGIN_NOT_FOUND'
  | 'RUNTIME_DUPLICATE_PLUGIN'
  | 'RUNTIME_CLOSED'
  | 'RUNTIME_PLUGIN_RUNTIME_UNAVAILABLE'
  | 'RUNTIME_CONFIG_INFO_FAILED';

/** The only error class @plugway/runtime throws. */
export class RuntimeError extends PlugwayError<RuntimeErrorCode> {}
