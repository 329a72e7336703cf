#!/usr/bin/env node
/* global fetch, AbortSignal */
// A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a free port,
// filesystem storage in a temp dir, optional htpasswd or token auth (with an in-process token server).
// Usage from tests: `const reg = await startRegistry({ auth: 'htpasswd', users: { alice: 'pw' } }); … await reg.stop();`
// CLI: `node tools/test-registry/index.mjs start [--auth none|htpasswd|token] [--user name:password]…`
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { createHash, createPrivateKey, randomBytes, randomUUID, sign as cryptoSign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const APT = ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends'];

/** Every registry child this process started; killed synchronously on exit so nothing is left behind. */
const LIVE = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of LIVE) {
      try { child.kill('SIGTERM'); } catch { /* already gone */ }
      if (child.cleanupDir) rmSync(child.cleanupDir, { recursive: true, force: true });
    }
  });
}

function aptInstall(pkg) {
  const run = () => spawnSync('apt-get', [...APT, pkg], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let r = run();
  if (r.status !== 0) {
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { stdio: 'pipe' });
    r = run();
  }
  if (r.status !== 0) throw new Error(`apt-get install ${pkg} failed: ${String(r.stderr).slice(-2000)}`);
}

/** Installs Debian's docker-registry when the binary is missing. */
export function ensureRegistryInstalled() {
  if (existsSync(REGISTRY_BIN)) return REGISTRY_BIN;
  aptInstall('docker-registry');
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} still missing after apt-get install docker-registry`);
  // The package's postinst enables a system service on some setups; we never use it.
  spawnSync('systemctl', ['disable', '--now', 'docker-registry'], { stdio: 'ignore' });
  return REGISTRY_BIN;
}

function hasHtpasswdTool() {
  return spawnSync('htpasswd', ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** One bcrypt htpasswd line; uses apache2-utils (installed when missing). */
function htpasswdLine(user, password) {
  if (!hasHtpasswdTool()) aptInstall('apache2-utils');
  return execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim();
}

/** A free TCP port on 127.0.0.1 (closed again before returning; the caller retries on a race). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---- token mode: key, self-signed cert, JWT issuing -------------------------------------------------------

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

/** libtrust key id (distribution's `kid`): sha256 of the SPKI DER, first 240 bits, base32, groups of 4 joined by ':'. */
function libtrustKeyId(spkiDer) {
  const hash = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0, out = '';
  for (const byte of hash) {
    value = (value << 8) | byte; bits += 8;
    while (bits >= 5) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  return out.match(/.{4}/g).join(':');
}

function makeSigningMaterial(dir) {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=plugway-test-token-issuer',
  ], { stdio: 'pipe' });
  const key = createPrivateKey(readFileSync(keyPath));
  const certPem = readFileSync(certPath, 'utf8');
  const cert = new X509Certificate(certPem);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return { key, certPath, x5c: [cert.raw.toString('base64')], kid: libtrustKeyId(spki) };
}

function signJwt(material, claims) {
  const header = { typ: 'JWT', alg: 'ES256', kid: material.kid, x5c: material.x5c };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key: material.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

/** Parses `repository:name:pull,push` scopes (repository names may not contain ':', but registry hosts in names may). */
function parseScope(scope) {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function decodeBasic(header) {
  if (!header || !/^basic /i.test(header)) return undefined;
  const raw = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  return { user: raw.slice(0, i), password: raw.slice(i + 1) };
}

async function startTokenServer({ users, material, service, issuer, opts }) {
  const requests = [];
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') { res.writeHead(404).end(); return; }
    const creds = decodeBasic(req.headers.authorization);
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const record = { service: url.searchParams.get('service'), scopes, user: creds?.user, authenticated: false };
    requests.push(record);
    if (req.headers.authorization && (!creds || users[creds.user] !== creds.password)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    record.authenticated = Boolean(creds);
    const access = [];
    for (const s of scopes) {
      const parsed = parseScope(s);
      if (!parsed) continue;
      let actions = parsed.actions;
      if (!creds) actions = opts.anonymousPull ? actions.filter((a) => a === 'pull') : [];
      else if (opts.grant) actions = opts.grant(creds.user, parsed) ?? [];
      if (actions.length) access.push({ type: parsed.type, name: parsed.name, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = opts.expiresIn ?? 300;
    const token = signJwt(material, {
      iss: issuer, sub: creds?.user ?? '', aud: service, exp: now + expiresIn, nbf: now - 10, iat: now,
      jti: randomUUID(), access,
    });
    const body = opts.tokenField === 'access_token' ? { access_token: token } : opts.tokenField === 'both' ? { token, access_token: token } : { token };
    if (opts.includeExpiresIn !== false) body.expires_in = expiresIn;
    body.issued_at = new Date(now * 1000).toISOString();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

// ---- registry process ----

// $1 = parent pid, $2 = temp dir to remove if the parent dies ('' for none), $3.. = command. Exits (killing the
// command) on TERM/INT, when the parent is gone, or when the command exits.
const WATCHDOG = [
  'parent=$1; dir=$2; shift 2',
  '"$@" & c=$!',
  // The shell's own messages ("Terminated") must not hit a closed pipe (SIGPIPE would stop the clean-up).
  'exec >/dev/null 2>&1',
  'trap \'kill $c 2>/dev/null; wait $c; exit 0\' TERM INT',
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$c" 2>/dev/null; do sleep 1 & wait $!; done',
  'kill $c 2>/dev/null; wait $c',
  'if ! kill -0 "$parent" 2>/dev/null && [ -n "$dir" ]; then rm -rf "$dir"; fi',
].join('\n');

function configYaml({ port, storageDir, auth }) {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    'health:',
    '  storagedriver:',
    '    enabled: false',
  ];
  if (auth.kind === 'htpasswd') {
    lines.push('auth:', '  htpasswd:', '    realm: plugway-test', `    path: ${JSON.stringify(auth.path)}`);
  } else if (auth.kind === 'token') {
    lines.push('auth:', '  token:', `    realm: ${JSON.stringify(auth.realm)}`, `    service: ${JSON.stringify(auth.service)}`,
      `    issuer: ${JSON.stringify(auth.issuer)}`, `    rootcertbundle: ${JSON.stringify(auth.rootcertbundle)}`);
  }
  return lines.join('\n') + '\n';
}

async function waitForV2(url, child, logs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return true;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error(`registry did not answer GET /v2/ within ${timeoutMs} ms: ${logs.join('').slice(-2000)}`);
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) { LIVE.delete(child); return; }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  LIVE.delete(child);
}

/**
 * Starts a docker-registry on 127.0.0.1 with a free port.
 * @param {import('./index.d.mts').StartRegistryOptions} [opts]
 * @returns {Promise<import('./index.d.mts').TestRegistry>}
 */
export async function startRegistry(opts = {}) {
  const bin = ensureRegistryInstalled();
  installExitHook();
  const mode = opts.auth ?? 'none';
  const users = opts.users ?? (mode === 'none' ? {} : { testuser: 'testpassword' });
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'plugway-registry-'));
  mkdirSync(dir, { recursive: true });
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir, { recursive: true });

  let auth = { kind: 'none' };
  let tokenServer;
  try {
    if (mode === 'htpasswd') {
      const path = join(dir, 'htpasswd');
      writeFileSync(path, Object.entries(users).map(([u, p]) => htpasswdLine(u, p)).join('\n') + '\n');
      auth = { kind: 'htpasswd', path };
    } else if (mode === 'token') {
      const material = makeSigningMaterial(dir);
      const service = opts.tokenServer?.service ?? 'plugway-test-registry';
      const issuer = opts.tokenServer?.issuer ?? 'plugway-test-issuer';
      tokenServer = await startTokenServer({ users, material, service, issuer, opts: opts.tokenServer ?? {} });
      auth = { kind: 'token', realm: tokenServer.url, service, issuer, rootcertbundle: material.certPath };
    } else if (mode !== 'none') {
      throw new Error(`unknown auth mode ${String(mode)}`);
    }

    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const configPath = join(dir, 'config.yml');
      writeFileSync(configPath, configYaml({ port, storageDir, auth }));
      const logs = [];
      // A tiny sh watchdog runs the registry and kills it when this process dies without stop() (e.g. SIGKILL).
      const child = spawn('/bin/sh', ['-c', WATCHDOG, 'test-registry-watchdog', String(process.pid), ownDir ? dir : '', bin, 'serve', configPath],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      if (ownDir) child.cleanupDir = dir;
      LIVE.add(child);
      const keep = (d) => { logs.push(String(d)); if (logs.length > 200) logs.shift(); };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const host = `127.0.0.1:${port}`;
      const url = `http://${host}`;
      const up = await waitForV2(url, child, logs, opts.startTimeoutMs ?? 30_000).catch(async (e) => { await stopChild(child); throw e; });
      if (!up) {
        LIVE.delete(child);
        if (/address already in use/i.test(logs.join(''))) continue;
        throw new Error(`docker-registry exited during start-up: ${logs.join('').slice(-2000)}`);
      }
      let stopped = false;
      return {
        url, host, port, dir, auth: mode, users, pid: child.pid,
        tokenRealm: tokenServer?.url,
        tokenService: auth.kind === 'token' ? auth.service : undefined,
        tokenRequests: tokenServer?.requests ?? [],
        logs: () => logs.join(''),
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopChild(child);
          await tokenServer?.close();
          if (ownDir) rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    throw new Error('could not bind docker-registry to a free port after 5 attempts');
  } catch (e) {
    await tokenServer?.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// ---- CLI -------------------------------------------------------------------------------------------------

async function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd !== 'start') {
    console.error('usage: node tools/test-registry/index.mjs start [--auth none|htpasswd|token] [--user name:password]...');
    process.exit(2);
  }
  const opts = { auth: 'none', users: undefined };
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--auth') opts.auth = rest[++i];
    else if (rest[i] === '--user') {
      const [u, ...p] = String(rest[++i]).split(':');
      opts.users = { ...(opts.users ?? {}), [u]: p.join(':') };
    } else if (rest[i] === '--dir') opts.dir = rest[++i];
  }
  const reg = await startRegistry(opts);
  console.log(JSON.stringify({ url: reg.url, host: reg.host, auth: reg.auth, users: Object.keys(reg.users), tokenRealm: reg.tokenRealm, pid: reg.pid }));
  console.error('registry running; Ctrl-C to stop');
  const stop = async () => { await reg.stop(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
}
