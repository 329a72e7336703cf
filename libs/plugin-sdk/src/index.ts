// This is the public API of @plugway/plugin-sdk; adding an export is a semver decision.
export { servePlugin } from './serve-plugin.js';
export type { ServeOptions, RunningPlugin } from './serve-plugin.js';
export { SDK_DEFAULT_HANDSHAKE } from './handshake.js';
export type { HandshakeOptions } from './handshake.js';
export type { PluginHooks, HookContext } from './plugin-hooks.types.js';
export { pluginServiceImpl } from './plugin-service.js';
export type { PluginServiceOptions } from './plugin-service.js';
export { parsePluginConfig } from './plugin-config.js';
export { createPluginLogger, hclogTimestamp } from './plugin-logger.js';
export type { PluginLoggerOptions, PluginLogLevel } from './plugin-logger.js';
export { SdkError } from './error.js';
export type { SdkErrorCode } from './error.js';
