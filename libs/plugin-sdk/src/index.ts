// This is the public API of @plugway/plugin-sdk; adding an export is a semver decision.
export { servePlugin, pluginServiceImpl, SDK_DEFAULT_HANDSHAKE } from './serve.js';
export type { ServeOptions, PluginHooks, RunningPlugin } from './serve.js';
export { SdkError } from './error.js';
export type { SdkErrorCode } from './error.js';
