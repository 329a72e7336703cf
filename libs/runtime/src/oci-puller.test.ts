// Every connection of the OCI path goes to a policy-checked address: fake registries on distinct loopback addresses
// (127.0.0.2 the registry, 127.0.0.3 a storage/token host), internal-network access granted for the registry only.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommand, type OciCommand } from '@plugway/command';
import { isPlugwayError } from '@plugway/core';
import { createPolicy, type PolicyOptions } from '@plugway/security-policy';
import { createOciPuller } from './oci-puller.js';
import { runtimeSettingsSchema } from './options.js';

type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;
const servers: Server[] = [];
const dirs: string[] = [];

async function serve(address: string, handler: Handler): Promise<{ host: string; port: number; hits: string[] }> {
  const hits: string[] = [];
  let base = '';
  const server = createServer((req, res) => { hits.push(`${req.method} ${req.url}`); handler(req, res, base); });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, address, r));
  const { port } = server.address() as { port: number };
  base = `http://${address}:${port}`;
  return { host: `${address}:${port}`, port, hits };
}

afterEach(async () => {
  for (const s of servers.splice(0)) { s.closeAllConnections(); await new Promise((r) => s.close(r)); }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const BINARY = Buffer.from('#!/bin/sh\necho plugin\n');
const MANIFEST = Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.plugway.plugin.v1',
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(Buffer.from('{}')), size: 2 },
  layers: [{ mediaType: 'application/vnd.plugway.plugin.binary.v1', digest: sha(BINARY), size: BINARY.length }],
}));

/** A registry serving one plugin; `blob` decides what a blob GET gets. */
function registry(blob: (res: ServerResponse) => void): Handler {
  return (req, res) => {
    if (req.url === '/v2/') { res.writeHead(200); res.end('{}'); return; }
    if (req.url?.startsWith('/v2/p/manifests/')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha(MANIFEST), 'content-length': String(MANIFEST.length) });
      res.end(req.method === 'HEAD' ? undefined : MANIFEST);
      return;
    }
    if (req.url?.startsWith('/v2/p/blobs/')) { blob(res); return; }
    res.writeHead(404); res.end();
  };
}

function puller(policy: PolicyOptions, resolve?: (host: string) => Promise<Array<{ address: string; family: 4 | 6 }>>, insecureRegistries: string[] = []) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'oci-guard-'));
  dirs.push(cacheDir);
  const settings = runtimeSettingsSchema.parse({ policy, oci: { enabled: true, cacheDir, requireSignature: false, insecureRegistries } });
  return createOciPuller(settings, { policy: createPolicy(policy), ...(resolve ? { resolve } : {}) });
}

async function failure(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!isPlugwayError(e)) throw new Error(`expected a coded error, got ${String(e)}`);
  return { code: e.code, details: { ...e.details } };
}

const oci = (s: string): OciCommand => parseCommand(s) as OciCommand;

describe('the OCI path and the security policy', () => {
  it('refuses a redirect to an address the policy denies, and sends nothing there', async () => {
    const storage = await serve('127.0.0.3', (_req, res) => { res.writeHead(200); res.end(BINARY); });
    const reg = await serve('127.0.0.2', registry((res) => { res.writeHead(307, { location: `http://${storage.host}/blob` }); res.end(); }));
    const pull = puller({ allowedRegistries: [reg.host] });
    const e = await failure(pull(oci(`oci://${reg.host}/p:1.0`), {}));
    expect(e).toMatchObject({ code: 'OCI_CONNECTION_DENIED', details: { host: storage.host, policyCode: 'POLICY_LOOPBACK_ADDRESS' } });
    expect(storage.hits).toEqual([]);
  });

  it('refuses a redirect to the metadata endpoint', async () => {
    const reg = await serve('127.0.0.2', registry((res) => { res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }); res.end(); }));
    const e = await failure(puller({ allowedRegistries: [reg.host] })(oci(`oci://${reg.host}/p:1.0`), {}));
    expect(e).toMatchObject({ code: 'OCI_CONNECTION_DENIED', details: { policyCode: 'POLICY_METADATA_ADDRESS' } });
  });

  it('follows a redirect the policy allows', async () => {
    const storage = await serve('127.0.0.3', (_req, res) => { res.writeHead(200, { 'content-length': String(BINARY.length) }); res.end(BINARY); });
    const reg = await serve('127.0.0.2', registry((res) => { res.writeHead(307, { location: `http://${storage.host}/blob` }); res.end(); }));
    const got = await puller({ allowedRegistries: [reg.host, storage.host] })(oci(`oci://${reg.host}/p:1.0`), {});
    expect(got.digest).toBe(sha(BINARY));
    expect(storage.hits).toEqual(['GET /blob']);
  });

  it('refuses a token realm the policy denies, and sends nothing there', async () => {
    const realm = await serve('127.0.0.3', (_req, res) => { res.writeHead(200); res.end('{"token":"t"}'); });
    const reg = await serve('127.0.0.2', (_req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${realm.host}/token",service="reg"` });
      res.end();
    });
    const e = await failure(puller({ allowedRegistries: [reg.host] })(oci(`oci://${reg.host}/p:1.0`), {}));
    expect(e).toMatchObject({ code: 'OCI_CONNECTION_DENIED', details: { host: realm.host, policyCode: 'POLICY_LOOPBACK_ADDRESS' } });
    expect(realm.hits).toEqual([]);
  });

  it('dials the address the policy checked, never resolving the name again', async () => {
    const reg = await serve('127.0.0.2', registry((res) => { res.writeHead(200); res.end(BINARY); }));
    const asked: string[] = [];
    // registry.invalid exists only for this resolver: a client that resolved the name itself could not connect.
    const resolve = async (host: string) => { asked.push(host); return [{ address: '127.0.0.2', family: 4 as const }]; };
    const name = `registry.invalid:${reg.port}`;
    const got = await puller({ allowedRegistries: [name] }, resolve, [name])(oci(`oci://${name}/p:1.0`), {});
    expect(got.digest).toBe(sha(BINARY));
    expect(asked).toEqual(['registry.invalid']); // checked once, then dialled at that address for every request
  });

  it('matches oci:// allowlist entries at connect time as at check time (default port left out)', async () => {
    const resolve = async () => [{ address: '127.0.0.9', family: 4 as const }];
    // Granted by the entry, so the guard lets it through to the dial (refused: nothing listens on 127.0.0.9:443).
    const e = await failure(puller({ allowlist: ['oci://registry.corp/*'] }, resolve)(oci('oci://registry.corp/p:1.0'), {}));
    expect(e.code).toBe('OCI_REGISTRY_UNREACHABLE');
    const denied = await failure(puller({}, resolve)(oci('oci://registry.corp/p:1.0'), {}));
    expect(denied).toMatchObject({ code: 'OCI_CONNECTION_DENIED', details: { policyCode: 'POLICY_LOOPBACK_ADDRESS' } });
  });

  it('refuses the registry itself when its name now resolves somewhere denied (DNS rebinding)', async () => {
    const resolve = async () => [{ address: '169.254.169.254', family: 4 as const }];
    const e = await failure(puller({ allowInternalNetworkAccess: true }, resolve)(oci('oci://rebind.invalid/p:1.0'), {}));
    expect(e).toMatchObject({ code: 'OCI_CONNECTION_DENIED', details: { policyCode: 'POLICY_METADATA_ADDRESS' } });
  });
});
