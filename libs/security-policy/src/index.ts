// This is the public API of @plugway/security-policy; adding an export is a semver decision.
export { createPolicy } from './policy.js';
export type { Decision, EvaluateOptions, Finding, Policy, PolicyFindingCode, ResolvedTarget, Resolver } from './policy.js';
export { evaluateCommand, evaluateRegistryConnection } from './evaluate.js';
export { policyOptionsFromEnv } from './env.js';
export { policyOptionsSchema, DEFAULT_PLUGIN_DIRS } from './options.js';
export type { PolicyOptions, ResolvedPolicyOptions } from './options.js';
export { parseIp, parseIpv4Loose, classifyIp, formatIp, parseCidr } from './ip.js';
export type { Ip, IpClass, Cidr } from './ip.js';
export { PolicyError } from './error.js';
export type { PolicyErrorCode } from './error.js';
