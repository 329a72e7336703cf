// This is the public API of @plugway/config; adding an export is a semver decision.
// The only library that reads process.env: it maps the AI Studio variable names onto the domain libs' option objects.
export { loadStudioSettings, parseDatabaseUrl, MIN_API_TOKEN_LENGTH } from './studio.js';
export type { StudioSettings, BaseSettings, DatabaseSettings, ApiTokenSettings } from './studio.js';
export { loadEdgeSettings, DEFAULT_EDGE_CACHE_DIR } from './edge.js';
export type { EdgeSettings } from './edge.js';
export type { RuntimePart } from './runtime-settings.js';
export { describeSettings } from './describe.js';
export { ConfigError, describeConfigError } from './error.js';
export type { ConfigErrorCode, ConfigIssue } from './error.js';
export { LOG_LEVELS } from './env-schema.js';
export type { LogLevel, Env } from './env-schema.js';
