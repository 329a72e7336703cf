// The one table from error codes to HTTP statuses, and the translation of lib/runtime errors into API errors.
import { isPlugwayError } from '@plugway/core';

/** API error codes and their statuses. Anything not listed is a 500 `INTERNAL`. */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  AUTH_FORBIDDEN: 403,
  VALIDATION_FAILED: 400,
  BODY_INVALID_JSON: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  SLUG_TAKEN: 409,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  POLICY_DENIED: 403,
  OCI_DISABLED: 422,
  CONFIG_INVALID: 400,
  CHECKSUM_MISMATCH: 422,
  TOO_MANY_REQUESTS: 429,
  // command parse errors (COMMAND_*) are all 400, see statusOf
  // OCI pull failures surface inside the plugin status, but a direct one is a bad gateway
  OCI_MANIFEST_NOT_FOUND: 404,
  PLUGIN_UNREGISTERED: 409,
  PLUGIN_CONFIG_INFO_FAILED: 502,
  INTERNAL: 500,
};

export interface ApiError {
  status: number;
  body: { error: { code: string; message: string; details?: Record<string, unknown> } };
}

export function statusOf(code: string): number {
  if (code.startsWith('COMMAND_')) return 400;
  return HTTP_STATUS[code] ?? 500;
}

function apiError(code: string, message: string, details?: Record<string, unknown>): ApiError {
  const status = statusOf(code);
  if (status === 500) return { status, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
  return { status, body: { error: { code, message, ...(details ? { details } : {}) } } };
}

const RUNTIME_TO_API: Readonly<Record<string, string>> = {
  RUNTIME_POLICY_DENIED: 'POLICY_DENIED',
  RUNTIME_OCI_DISABLED: 'OCI_DISABLED',
  RUNTIME_PLUGIN_NOT_FOUND: 'NOT_FOUND',
  RUNTIME_INVALID_SPEC: 'VALIDATION_FAILED',
  STUDIO_VALIDATION_FAILED: 'VALIDATION_FAILED',
  STUDIO_NOT_FOUND: 'NOT_FOUND',
  STUDIO_SLUG_TAKEN: 'SLUG_TAKEN',
  STUDIO_CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  STUDIO_UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  STUDIO_TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  RUNTIME_DUPLICATE_PLUGIN: 'CONFLICT',
  RUNTIME_CLOSED: 'UNAVAILABLE',
  RUNTIME_CONFIG_INFO_FAILED: 'PLUGIN_CONFIG_INFO_FAILED',
  STUDIO_PLUGIN_UNREGISTERED: 'PLUGIN_UNREGISTERED',
  STUDIO_PLUGIN_ANSWER_INVALID: 'PLUGIN_CONFIG_INFO_FAILED',
};

/** Maps any thrown value to an API error; unknown errors become a bare 500 INTERNAL (no message leaks). */
export function toApiError(e: unknown): ApiError {
  if (isPlugwayError(e)) {
    const details = e.details ? { ...e.details } : undefined;
    // A command that does not parse: answer with the command lib's own code.
    if (e.code === 'RUNTIME_COMMAND_INVALID' && typeof details?.['causeCode'] === 'string') {
      const { causeCode, ...rest } = details;
      return apiError(causeCode as string, e.message, Object.keys(rest).length ? rest : undefined);
    }
    const code = RUNTIME_TO_API[e.code] ?? e.code;
    return apiError(code, e.message, details);
  }
  const err = e as { type?: string; status?: number };
  // body-parser errors (express.json)
  if (err?.type === 'entity.parse.failed') return apiError('BODY_INVALID_JSON', 'the request body is not valid JSON');
  if (err?.type === 'entity.too.large') return apiError('BODY_TOO_LARGE', 'the request body is too large');
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') return apiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) return apiError('VALIDATION_FAILED', 'bad request');
  return apiError('INTERNAL', 'internal error');
}
