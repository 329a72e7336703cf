// Test harness: a real studio on port 0 with a SQLite file in a temp dir, pino output captured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudioSettings } from '@plugway/config';
import { startStudio, type RunningStudio, type StartOptions } from '../server.js';

export const TOKEN = 'test-admin-token-0123456789';
export const DEMO_PLUGIN = fileURLToPath(new URL('../../../../examples/header-injector/plugin', import.meta.url));

export interface Harness extends RunningStudio {
  dir: string;
  logs: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes
  api(path: string, init?: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, opts: StartOptions & { dir?: string } = {}): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'studio-test-'));
  const settings = loadStudioSettings({ HOME: dir, PATH: process.env['PATH'] ?? '', STUDIO_DATA_DIR: dir, PORT: '0', STUDIO_API_TOKEN: TOKEN, LOG_LEVEL: 'debug', ...env }, { cwd: dir });
  const logs: string[] = [];
  const studio = await startStudio(settings, { hostEnv: process.env, logDestination: { write: (s: string) => { logs.push(s); } }, ...opts });
  const api: Harness['api'] = async (path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const tok = init.token === undefined ? TOKEN : init.token;
    if (tok !== null) headers['authorization'] = `Bearer ${tok}`;
    let body: string | undefined;
    if (init.body !== undefined) { body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body); headers['content-type'] ??= 'application/json'; }
    const res = await fetch(`${studio.url}${path}`, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    ...studio, dir, logs, api,
    stop: async () => { await studio.close(); if (!opts.dir) rmSync(dir, { recursive: true, force: true }); },
  };
}
