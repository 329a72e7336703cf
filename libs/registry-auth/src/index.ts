// This is the public API of @plugway/registry-auth; adding an export is a semver decision.
export { RegistryAuthError } from './error.js';
export type { RegistryAuthErrorCode } from './error.js';
export { registryAuthFromEnv, dockerConfigPathFromEnv, REGISTRY_ENV_PREFIX, NAMED_AUTH_ENV_PREFIX } from './env.js';
export type { ConfigIssue } from './env.js';
export { createRegistryAuth } from './registry-auth.js';
export type { CreateRegistryAuthOptions, TokenFetch } from './registry-auth.js';
export { readDockerConfig } from './docker-config.js';
export { parseWwwAuthenticate } from './challenge.js';
export type { AuthChallenge } from './challenge.js';
export { hostKey } from './host-key.js';
export type { RegistryAuth, RegistryAuthConfig, RegistryAuthRequestOptions, RegistryCredential } from './types.js';
