import { PlugwayError } from '@plugway/core';

/** Every code @plugway/registry-auth throws. Append-only: never rename or remove a code. */
export type RegistryAuthErrorCode =
  | 'REGISTRY_AUTH_INVALID_CONFIG'
  | 'REGISTRY_AUTH_UNKNOWN_CREDENTIAL'
  | 'REGISTRY_AUTH_DOCKER_CONFIG_INVALID'
  | 'REGISTRY_AUTH_CHALLENGE_INVALID'
  | 'REGISTRY_AUTH_INSECURE_REALM'
  | 'REGISTRY_AUTH_TOKEN_DENIED'
  | 'REGISTRY_AUTH_TOKEN_EXCHANGE_FAILED'
  | 'REGISTRY_AUTH_ABORTED';

/** The only error class @plugway/registry-auth throws. `details` never hold secrets. */
export class RegistryAuthError extends PlugwayError<RegistryAuthErrorCode> {}
