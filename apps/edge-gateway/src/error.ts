import { PlugwayError } from '@plugway/core';

/** Every code the edge gateway answers or throws. Append-only. */
export type EdgeErrorCode =
  | 'EDGE_CONFIG_UNREADABLE'
  | 'EDGE_CONFIG_INVALID'
  | 'EDGE_NO_UPSTREAM'
  | 'EDGE_UPSTREAM_UNAVAILABLE'
  | 'EDGE_BODY_TOO_LARGE'
  | 'EDGE_AUTH_REJECTED'
  | 'EDGE_REQUEST_BLOCKED'
  | 'EDGE_PLUGIN_FAILED'
  | 'EDGE_PLUGIN_TIMEOUT'
  | 'EDGE_PLUGIN_UNAVAILABLE'
  | 'EDGE_SYNC_FAILED'
  | 'EDGE_FORBIDDEN'
  | 'EDGE_NOT_FOUND'
  | 'EDGE_BAD_REQUEST';

/** The edge gateway's only error class; `status` is the HTTP status it is answered with. */
export class EdgeError extends PlugwayError<EdgeErrorCode> {}

/** HTTP status per code (the one table; libs know nothing about HTTP). */
export const EDGE_STATUS: Readonly<Record<EdgeErrorCode, number>> = {
  EDGE_CONFIG_UNREADABLE: 500, EDGE_CONFIG_INVALID: 500, EDGE_NO_UPSTREAM: 503, EDGE_UPSTREAM_UNAVAILABLE: 502,
  EDGE_BODY_TOO_LARGE: 413, EDGE_AUTH_REJECTED: 401, EDGE_REQUEST_BLOCKED: 403, EDGE_PLUGIN_FAILED: 502,
  EDGE_PLUGIN_TIMEOUT: 503, EDGE_PLUGIN_UNAVAILABLE: 503, EDGE_SYNC_FAILED: 502, EDGE_FORBIDDEN: 403, EDGE_NOT_FOUND: 404, EDGE_BAD_REQUEST: 400,
};
