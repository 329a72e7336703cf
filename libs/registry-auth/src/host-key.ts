// Registry hosts and credential names are matched in the env form: upper case, `.`, `-`, `:` → `_`.

/** `ghcr.io` → `GHCR_IO`, `localhost:5000` → `LOCALHOST_5000`, `GHCR_IO` → `GHCR_IO`. */
export function hostKey(host: string): string {
  let h = host.trim();
  h = h.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');   // docker config keys may carry a scheme
  h = h.replace(/\/.*$/, '');                       // … and a path such as /v1/
  return h.toUpperCase().replace(/[.\-:[\]]/g, '_');
}

/** Docker Hub is reached under several names; credentials for any of them apply to all. */
const DOCKER_HUB = new Set(['DOCKER_IO', 'INDEX_DOCKER_IO', 'REGISTRY_1_DOCKER_IO', 'REGISTRY_HUB_DOCKER_COM']);

/** The keys under which credentials for `host` may be stored, most specific first. */
export function hostKeys(host: string): string[] {
  const k = hostKey(host);
  return DOCKER_HUB.has(k) ? [k, ...[...DOCKER_HUB].filter((x) => x !== k)] : [k];
}

/** `corp-ghcr` → `CORP_GHCR`. */
export function nameKey(name: string): string {
  return name.trim().toUpperCase().replace(/[.-]/g, '_');
}
