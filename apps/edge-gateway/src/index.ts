// This is the public API of @plugway/edge-gateway (for tests, the bench and embedding); adding an export is a semver decision.
export { startEdgeApp } from './edge-app.js';
export type { EdgeApp, EdgeAppSettings, EdgeAppDeps, PluginSetState } from './edge-app.js';
export { EdgePluginManager } from './edge-manager.js';
export { createGateway, Gateway } from './gateway.js';
export type { GatewayOptions } from './gateway.js';
export { loadEdgeConfig, parseEdgeConfig, edgeConfigSchema } from './edge-config.js';
export type { EdgeConfig } from './edge-config.js';
export type { RouteSpec } from './routes.js';
export { PluginSync, fetchPluginSet } from './plugin-sync.js';
export type { SyncReport, EdgeReport, PluginSetAnswer } from './plugin-sync.js';
export { createEdgeMetrics } from './metrics.js';
export type { EdgeMetrics } from './metrics.js';
export { EdgeError, EDGE_STATUS } from './error.js';
export type { EdgeErrorCode } from './error.js';
