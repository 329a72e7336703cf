import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@plugway/core';
import { pluginpb } from '@plugway/proto';
import { launchPlugin, PluginHostError, type PluginConnection } from './index.js';

// A real Go plugin built with hashicorp go-plugin (Debian's packages) from plugway's .proto, with AI Studio's
// AI_STUDIO_PLUGIN=v1 handshake (tools/go-plugins/echo-plugin). Built once for this file.
const BUILD = fileURLToPath(new URL('../../../tools/go-plugins/build.sh', import.meta.url));
let dir: string;
let binary = '';
let skipReason = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'go-peer-'));
  const r = spawnSync(BUILD, [dir], { encoding: 'utf8', timeout: 550_000 });
  if (r.status === 3) skipReason = r.stderr.trim();
  else if (r.status !== 0) throw new Error(`building the Go plugin failed (${r.status}): ${r.stderr}`);
  else binary = r.stdout.trim().split('\n').at(-1)!;
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordingLogger(): { logger: Logger; lines: Array<{ msg: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const rec = (msg: string, fields?: Record<string, unknown>): void => { lines.push({ msg, fields: fields ?? {} }); };
  const logger: Logger = { debug: rec, info: rec, warn: rec, error: rec, child: () => logger };
  return { logger, lines };
}

describe('a Go go-plugin plugin (unmodified go-plugin Serve, AI Studio handshake)', () => {
  it('handshakes, passes the health check, initialises, round-trips a hook and shuts down via the controller', async (ctx) => {
    if (skipReason) { console.warn(`skipped: ${skipReason}`); ctx.skip(); }
    const record = join(dir, 'peer.jsonl');
    const conn: PluginConnection = await launchPlugin({ path: binary, hostEnv: process.env, startupTimeoutMs: 20_000 });
    try {
      expect(await conn.health()).toBe('SERVING');
      const answer = pluginpb.PluginResponse.fromPartial({ modified: true, statusCode: 299, headers: { 'x-a': '1', 'x-b': '2' }, body: Buffer.from('body!'), block: false, errorMessage: 'none', contextUpdates: { tier: 'gold', region: 'eu' } });
      const init = await conn.callHook('initialize', { config: { record, 'respond.ProcessPreAuth': JSON.stringify(pluginpb.PluginResponse.toJSON(answer)) } });
      expect(init.status === 'ok' && init.response.success).toBe(true);
      const request = pluginpb.PluginRequest.fromPartial({
        method: 'PATCH', path: '/v1/x?q=1', headers: { h1: 'v1', h2: 'v2' }, body: Buffer.from('payload'), remoteAddr: '127.0.0.9:4242',
        context: { requestId: 'rid', vendor: 'openai', llmId: 3, llmSlug: 'gpt', appId: 22, userId: 33, metadata: { m1: 'a', m2: 'b' }, traceContext: { traceparent: '00-abc-def-01' } },
      });
      const out = await conn.callHook('processPreAuth', request);
      expect(out.status === 'ok' && out.response).toEqual(answer);
      const seen = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { method: string; request: unknown });
      expect(seen[1]!.method).toBe('ProcessPreAuth');
      expect(pluginpb.PluginRequest.fromJSON(seen[1]!.request)).toEqual(request);
      const man = await conn.callHook('getManifest', {});
      expect(man.status === 'ok' && man.response.success).toBe(true);
      expect(man.status === 'ok' && JSON.parse(man.response.manifestJson)).toMatchObject({ name: 'echo-plugin', language: 'go' });
      // An RPC the Go plugin does not implement is a failed outcome, not a crash.
      expect((await conn.callHook('handleBudgetUsage', {})).status).toBe('failed');
    } finally {
      const pid = conn.pid!;
      await conn.close();
      expect(() => process.kill(pid, 0)).toThrow();
    }
  });

  it('still answers when the plugin writes 1 MiB to stdout during a hook, and its lines reach the host log (GRPCStdio)', async (ctx) => {
    if (skipReason) ctx.skip();
    const { logger, lines } = recordingLogger();
    const conn = await launchPlugin({ path: binary, hostEnv: process.env, startupTimeoutMs: 20_000, logger });
    try {
      expect((await conn.callHook('initialize', { config: { stdout_bytes: String(1024 * 1024) } })).status).toBe('ok');
      const out = await conn.callHook('processPreAuth', {}, { deadlineMs: 20_000 });
      expect(out.status).toBe('ok');
      const want = (1024 * 1024) / 64;
      for (let i = 0; i < 100 && lines.filter((l) => l.fields['stream'] === 'stdout').length < want; i++) await new Promise((r) => setTimeout(r, 50));
      const stdout = lines.filter((l) => l.fields['stream'] === 'stdout');
      expect(stdout).toHaveLength(want);
      expect(stdout.every((l) => l.msg === 'x'.repeat(63))).toBe(true);
    } finally {
      await conn.close();
    }
  }, 60_000);

  it('reports the Go plugin\'s own refusal and the cookie sent when the magic cookie is wrong', async (ctx) => {
    if (skipReason) ctx.skip();
    const err = await launchPlugin({ path: binary, handshake: { magicCookieKey: 'AI_STUDIO_PLUGIN', magicCookieValue: 'wrong', appProtocolVersions: [1] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginHostError);
    expect((err as PluginHostError).code).toBe('PLUGIN_EXITED');
    expect((err as PluginHostError).message).toContain('AI_STUDIO_PLUGIN=wrong');
    expect((err as PluginHostError).message).toContain('This binary is a plugin');
  });
});
