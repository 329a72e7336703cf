// The auth port of the registry client. @plugway/registry-auth implements it structurally (the libs never import
// each other); the runtime passes an instance in. `host` is the registry as configured (e.g. `ghcr.io`,
// `127.0.0.1:5000`, `docker.io`); `scope` is a distribution token scope such as `repository:org/app:pull`.

export interface RegistryAuthRequestOptions {
  /** The `auth=<name>` credential selected on the plugin command, if any. */
  credentialName?: string;
  signal?: AbortSignal;
}

export interface RegistryAuth {
  /** The Authorization header to send up front (cached bearer token, Basic, static token), or undefined. */
  authorization(host: string, scope: string, opts?: RegistryAuthRequestOptions): Promise<string | undefined>;
  /**
   * Called after a 401 with its `WWW-Authenticate` header: returns a new Authorization header to retry with
   * (e.g. after a bearer token exchange), or undefined when there is nothing better to try.
   */
  challenge(host: string, wwwAuthenticate: string, scope: string, opts?: RegistryAuthRequestOptions): Promise<string | undefined>;
}
