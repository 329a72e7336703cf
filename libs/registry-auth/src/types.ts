// Public shapes. RegistryAuth mirrors the port declared by @plugway/oci (structurally; the libs never import each other).

export interface RegistryAuthRequestOptions {
  /** The `auth=<name>` credential selected on the plugin command. */
  credentialName?: string;
  signal?: AbortSignal;
}

export interface RegistryAuth {
  /** The Authorization header to send up front, or undefined. */
  authorization(host: string, scope: string, opts?: RegistryAuthRequestOptions): Promise<string | undefined>;
  /** After a 401: a new Authorization header to retry with (token exchange), or undefined. */
  challenge(host: string, wwwAuthenticate: string, scope: string, opts?: RegistryAuthRequestOptions): Promise<string | undefined>;
}

/** One credential. */
export type RegistryCredential =
  /** Sent as `Basic base64(username:entitlement)` on every request (username defaults to `token`). */
  | { kind: 'entitlement'; username: string; entitlement: string }
  /** Sent as Basic, and used for the bearer token exchange. */
  | { kind: 'basic'; username: string; password: string }
  /** Sent as `Bearer <token>` as is. */
  | { kind: 'bearer'; token: string }
  /** docker config `identitytoken`: an OAuth2 refresh token, used only in the token exchange. */
  | { kind: 'identity-token'; username?: string; identityToken: string };

export interface RegistryAuthConfig {
  /** Credentials per registry host. Keys may be host names (`ghcr.io`, `localhost:5000`) or their env form (`GHCR_IO`). */
  registries: Record<string, RegistryCredential>;
  /** Named credentials for the `auth=<name>` option. Keys are matched case-insensitively. */
  named: Record<string, RegistryCredential>;
}
