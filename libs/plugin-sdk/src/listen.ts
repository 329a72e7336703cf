import type { Server } from 'node:net';
import { join } from 'node:path';
import { SdkError } from './error.js';

export interface Listening {
  network: 'unix' | 'tcp';
  address: string;
  cleanup(): void;
}

interface Fs { mkdtemp(prefix: string): string; rm(dir: string): void; tmpdir(): string }

// Listens on a unix socket path or a loopback port; resolves with the bound port (0 for a socket).
function bind(server: Server, addr: { path: string } | { port: number; host: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(addr, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

function portFromEnv(name: string, raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new SdkError({ code: 'SDK_BIND_FAILED', message: `${name}="${raw}" is not a port number` });
  return Number(raw);
}

/**
 * Listens like go-plugin's serverListener: a unix socket in a fresh private directory under PLUGIN_UNIX_SOCKET_DIR
 * (or the temp dir), or tcp on 127.0.0.1 at the first free port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT (both unset: any port).
 * @throws SdkError SDK_BIND_FAILED
 */
export async function listen(server: Server, network: 'unix' | 'tcp', env: Readonly<Record<string, string | undefined>>, fs: Fs): Promise<Listening> {
  if (network === 'unix') {
    let dir: string;
    try {
      dir = fs.mkdtemp(join(env.PLUGIN_UNIX_SOCKET_DIR || fs.tmpdir(), 'plugin-'));
    } catch (cause) {
      throw new SdkError({ code: 'SDK_BIND_FAILED', message: `cannot create the plugin socket directory: ${(cause as Error).message}`, cause });
    }
    const path = join(dir, 'plugin.sock');
    try {
      await bind(server, { path });
    } catch (cause) {
      fs.rm(dir);
      throw new SdkError({ code: 'SDK_BIND_FAILED', message: `cannot listen on ${path}: ${(cause as Error).message}`, cause });
    }
    return { network, address: path, cleanup: () => fs.rm(dir) };
  }
  const min = portFromEnv('PLUGIN_MIN_PORT', env.PLUGIN_MIN_PORT);
  const max = portFromEnv('PLUGIN_MAX_PORT', env.PLUGIN_MAX_PORT);
  if (min > max) throw new SdkError({ code: 'SDK_BIND_FAILED', message: `PLUGIN_MIN_PORT ${min} is greater than PLUGIN_MAX_PORT ${max}` });
  for (let port = min; port <= max; port++) {
    try {
      const bound = await bind(server, { port, host: '127.0.0.1' });
      return { network, address: `127.0.0.1:${bound}`, cleanup: () => undefined };
    } catch {
      // in use: try the next port, as go-plugin does
    }
  }
  throw new SdkError({ code: 'SDK_BIND_FAILED', message: `no free tcp port on 127.0.0.1 in ${min}..${max}`, details: { min, max } });
}
