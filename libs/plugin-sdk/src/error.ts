import { PlugwayError } from '@plugway/core';

/** Codes @plugway/plugin-sdk throws or sends to the host (in the gRPC status message). Append-only. */
export type SdkErrorCode =
  | 'SDK_INVALID_OPTIONS'
  | 'SDK_BIND_FAILED'
  | 'SDK_PROTOCOL_MISMATCH'
  | 'SDK_HOOK_FAILED'
  | 'SDK_CONFIG_INVALID';

/** The only error class @plugway/plugin-sdk throws. */
export class SdkError extends PlugwayError<SdkErrorCode> {}
