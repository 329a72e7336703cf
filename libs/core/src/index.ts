// This is the public API of @plugway/core; adding an export is a semver decision.
export { PlugwayError, isPlugwayError } from './error.js';
export type { PlugwayErrorOptions } from './error.js';
export { NOOP_LOGGER } from './logger.js';
export type { Logger, LogFields } from './logger.js';
export { backoffDelay } from './backoff.js';
export { processExists } from './process.js';
export { isSecretKey, redact, redactString, redactUrl, REDACTED } from './redact.js';
