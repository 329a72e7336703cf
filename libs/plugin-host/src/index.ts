// This is the public API of @plugway/plugin-host; adding an export is a semver decision.
export { launchPlugin } from './launch.js';
export type { LaunchOptions } from './launch.js';
export { connectRemote } from './remote.js';
export type { RemoteOptions, RemoteTlsOptions } from './remote.js';
export { PluginSupervisor, DEFAULT_RESTART_POLICY } from './supervisor.js';
export type { SupervisorOptions, SupervisorState, RestartPolicy } from './supervisor.js';
export { HOOK_METHODS } from './connection.js';
export type { PluginConnection, PluginExitInfo, HookOutcome, HookMethod, HookRequest, HookResponse, HookTypes, HealthStatus, CallOptions } from './connection.js';
export { DEFAULT_HANDSHAKE, CORE_PROTOCOL_VERSION, parseHandshakeLine } from './handshake.js';
export type { HandshakeConfig, HandshakeLine } from './handshake.js';
export { buildChildEnv } from './child-env.js';
export { forwardPluginLog } from './plugin-log.js';
export { livePluginProcesses } from './reaper.js';
export { resolveSandbox } from './sandbox.js';
export type { SandboxOptions, SandboxPlan, AppliedSandbox, PluginLimits } from './sandbox.js';
export type { ConfigInfo } from './config-info.js';
export { PluginHostError } from './error.js';
export type { PluginHostErrorCode } from './error.js';
