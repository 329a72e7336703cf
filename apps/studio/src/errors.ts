import { PlugwayError } from '@plugway/core';

/** Codes the studio itself raises (API-level; runtime and lib codes are mapped in http-errors.ts). Append-only. */
export type StudioErrorCode =
  | 'STUDIO_VALIDATION_FAILED'
  | 'STUDIO_NOT_FOUND'
  | 'STUDIO_SLUG_TAKEN'
  | 'STUDIO_STORE_FAILED'
  | 'STUDIO_CHECKSUM_MISMATCH'
  | 'STUDIO_UNSUPPORTED_MEDIA_TYPE'
  | 'STUDIO_TOO_MANY_REQUESTS'
  | 'STUDIO_PLUGIN_UNREGISTERED'
  | 'STUDIO_PLUGIN_ANSWER_INVALID';

export class StudioError extends PlugwayError<StudioErrorCode> {}
