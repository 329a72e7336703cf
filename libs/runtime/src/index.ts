// This is the public API of @plugway/runtime; adding an export is a semver decision.
export { createPluginManager, PluginManager } from './plugin-manager.js';
export { createOciPuller } from './oci-puller.js';
export type { ManagerDeps, Resolver, PluginState, PluginStatus, ReloadInfo, CheckResult, RunChainOptions, ChainStep, ChainResult } from './plugin-manager.js';
export type { OciPuller } from './oci-puller.js';
export type { NodeRuntime } from './plugin-runtime.js';
export { runtimeSettingsSchema, pluginSpecSchema, failModeSchema, HOOK_TYPES, sandboxSettingsSchema, pluginSandboxSchema, pluginLimitsSchema } from './options.js';
export type { RuntimeSettings, RuntimeSettingsInput, PluginSpec, PluginSpecInput, HookType, FailMode } from './options.js';
export { createPino, toLoggerPort } from './logger.js';
export type { PinoLogger } from './logger.js';
export { RuntimeError } from './error.js';
export type { RuntimeErrorCode } from './error.js';
