import { spawn, type ChildProcess } from 'node:child_process';
import type * as ChildProcessModule from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';

/** What the host needs of a started plugin process (a `ChildProcess` is one). Emits 'spawn', 'exit' (code, signal), 'error'. */
export interface PluginProcess extends EventEmitter {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SpawnRequest {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string | undefined;
  uid?: number;
  gid?: number;
}

/**
 * How plugin processes are started. `'helper'` (default): through one small helper process that the host starts once
 * and that starts, signals and reaps the plugins for it, so the host itself forks once however many plugins it runs
 * (each fork of a large process leaves it measurably slower per request: see the edge README). `'direct'`: the host
 * forks each plugin itself.
 */
export type SpawnVia = 'helper' | 'direct';

export function spawnPluginProcess(req: SpawnRequest, via: SpawnVia = 'helper'): PluginProcess {
  if (via === 'direct') {
    return spawn(req.command, req.args, {
      env: req.env, cwd: req.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(req.uid !== undefined ? { uid: req.uid, gid: req.gid } : {}),
    });
  }
  helper ??= new SpawnHelper();
  return helper.spawn(req);
}

let helper: SpawnHelper | undefined;

/**
 * The helper's whole program, run as `node -e` (no file to locate, no loader, no host environment): it spawns what the
 * host asks, forwards each child's stdout/stderr and exit, signals on request, and SIGKILLs every child it still has
 * when the host goes away (its IPC channel closes — also when the host was killed with SIGKILL).
 * Self-contained: it is sent as source, so it may use only its parameters.
 */
function helperMain(cp: typeof ChildProcessModule, proc: NodeJS.Process): void {
  proc.title = 'plugway-plugin-helper'; // what ps shows instead of this source
  const children = new Map<number, ChildProcessModule.ChildProcess>();
  const send = (m: object): void => { if (proc.connected && proc.send) proc.send(m); };
  proc.on('message', (m: { op: string; id: number; command: string; args: string[]; env: Record<string, string>; cwd?: string; uid?: number; gid?: number; signal?: NodeJS.Signals }) => {
    if (m.op === 'kill') {
      const c = children.get(m.id);
      if (c) { try { c.kill(m.signal); } catch { /* already gone */ } }
      return;
    }
    if (m.op !== 'spawn') return;
    const failed = (e: unknown): void => {
      children.delete(m.id);
      send({ ev: 'error', id: m.id, message: e instanceof Error ? e.message : String(e), code: e instanceof Error && 'code' in e ? e.code : undefined, errno: e instanceof Error && 'errno' in e ? e.errno : undefined });
    };
    let child: ChildProcessModule.ChildProcess;
    try {
      child = cp.spawn(m.command, m.args, { env: m.env, cwd: m.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(m.uid !== undefined ? { uid: m.uid, gid: m.gid } : {}) });
    } catch (e) {
      failed(e);
      return;
    }
    children.set(m.id, child);
    child.once('spawn', () => send({ ev: 'spawn', id: m.id, pid: child.pid }));
    child.on('error', (e) => { if (child.pid === undefined) failed(e); });
    child.stdout?.setEncoding('utf8').on('data', (text: string) => send({ ev: 'data', id: m.id, fd: 1, text }));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => send({ ev: 'data', id: m.id, fd: 2, text }));
    child.once('exit', (code, signal) => { send({ ev: 'exit', id: m.id, code, signal }); });
    child.once('close', () => { children.delete(m.id); send({ ev: 'close', id: m.id }); });
  });
  proc.on('disconnect', () => {
    for (const c of children.values()) { try { c.kill('SIGKILL'); } catch { /* already gone */ } }
    proc.exit(0);
  });
}

type HelperEvent =
  | { ev: 'spawn'; id: number; pid: number }
  | { ev: 'error'; id: number; message: string; code: string | undefined; errno: number }
  | { ev: 'data'; id: number; fd: 1 | 2; text: string }
  | { ev: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { ev: 'close'; id: number };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isSignal(v: unknown): v is NodeJS.Signals {
  return typeof v === 'string' && /^SIG[A-Z0-9]+$/.test(v);
}

/** The helper's messages, checked field by field (they cross a process boundary). */
function parseEvent(m: unknown): HelperEvent | undefined {
  if (!isRecord(m) || typeof m.id !== 'number') return undefined;
  const id = m.id;
  switch (m.ev) {
    case 'spawn': return typeof m.pid === 'number' ? { ev: 'spawn', id, pid: m.pid } : undefined;
    case 'error': return typeof m.message === 'string' ? { ev: 'error', id, message: m.message, code: typeof m.code === 'string' ? m.code : undefined, errno: typeof m.errno === 'number' ? m.errno : -1 } : undefined;
    case 'data': return (m.fd === 1 || m.fd === 2) && typeof m.text === 'string' ? { ev: 'data', id, fd: m.fd, text: m.text } : undefined;
    case 'exit': return (typeof m.code === 'number' || m.code === null) && (m.signal === null || isSignal(m.signal)) ? { ev: 'exit', id, code: m.code, signal: m.signal } : undefined;
    case 'close': return { ev: 'close', id };
    default: return undefined;
  }
}

class SpawnHelper {
  private proc: ChildProcess | undefined;
  private nextId = 1;
  private readonly live = new Map<number, HelperChild>();

  spawn(req: SpawnRequest): PluginProcess {
    // A helper whose channel closed is going away (its 'exit' may not have arrived yet): its plugins are orphans.
    if (this.proc && !this.proc.connected) this.retire(this.proc);
    const proc = this.proc ?? this.start();
    const id = this.nextId++;
    const child = new HelperChild((signal) => this.kill(id, signal));
    this.live.set(id, child);
    this.hold();
    proc.send({ op: 'spawn', id, command: req.command, args: req.args, env: req.env, cwd: req.cwd, uid: req.uid, gid: req.gid });
    return child;
  }

  private start(): ChildProcess {
    // `__name`: what esbuild's keepNames (tsx in development) wraps inner functions in; compiled JavaScript has none.
    const source = `const __name = (f) => f; (${helperMain.toString()})(require('node:child_process'), process)`;
    // No host environment (NODE_OPTIONS loaders, secrets): each plugin gets the environment its request names.
    const proc = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: {}, serialization: 'json' });
    this.proc = proc;
    proc.on('message', (m) => {
      const e = parseEvent(m);
      const child = e && this.live.get(e.id);
      if (!e || !child) return;
      if (e.ev === 'close' || e.ev === 'error') { this.live.delete(e.id); this.hold(); }
      child.deliver(e);
    });
    proc.once('exit', () => this.retire(proc));
    // 'error': the helper could not be started, or a message could not be sent to it (it is going away). `on`, not
    // `once`: each failed send emits one.
    proc.on('error', (err) => this.retire(proc, err));
    return proc;
  }

  /** The helper died (killed from outside): its plugins are orphans now; the host knows their pids and kills them. */
  private retire(proc: ChildProcess, err?: Error): void {
    if (this.proc !== proc) return;
    this.proc = undefined;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    for (const [id, child] of this.live) {
      this.live.delete(id);
      child.orphaned(err);
    }
  }

  private kill(id: number, signal: NodeJS.Signals): void {
    if (this.proc?.connected) this.proc.send({ op: 'kill', id, signal });
  }

  /** Keeps the host's event loop alive while plugins run, as a ChildProcess of its own would; lets it exit otherwise. */
  private hold(): void {
    const p = this.proc;
    if (!p) return;
    if (this.live.size) { p.ref(); p.channel?.ref(); } else { p.unref(); p.channel?.unref(); }
  }
}

/** A plugin process started by the helper, with the surface of a ChildProcess that the host uses. */
class HelperChild extends EventEmitter implements PluginProcess {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout = new PassThrough({ encoding: 'utf8' });
  readonly stderr = new PassThrough({ encoding: 'utf8' });
  private done = false;

  constructor(private readonly sendSignal: (signal: NodeJS.Signals) => void) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.done || this.exitCode !== null || this.signalCode !== null) return false;
    this.sendSignal(signal);
    return true;
  }

  deliver(e: HelperEvent): void {
    switch (e.ev) {
      case 'spawn': this.pid = e.pid; this.emit('spawn'); break;
      case 'data': (e.fd === 1 ? this.stdout : this.stderr).write(e.text); break;
      case 'exit': this.exitCode = e.code; this.signalCode = e.signal; this.emit('exit', e.code, e.signal); break;
      case 'close': this.end(); break;
      case 'error': {
        // As a ChildProcess that failed to spawn: no pid, the (negative) errno as its exit code, 'error' and no 'exit'.
        this.exitCode = e.errno;
        this.end();
        this.emit('error', Object.assign(new Error(e.message), e.code ? { code: e.code } : {}));
        break;
      }
    }
  }

  orphaned(err: Error | undefined): void {
    if (this.pid !== undefined && this.exitCode === null && this.signalCode === null) {
      try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    const started = this.pid !== undefined;
    this.end();
    if (!started) { this.exitCode = -1; this.emit('error', err ?? new Error('the plugin spawn helper exited before starting the plugin')); return; }
    if (this.exitCode === null && this.signalCode === null) {
      this.signalCode = 'SIGKILL';
      this.emit('exit', null, 'SIGKILL');
    }
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    this.stdout.end();
    this.stderr.end();
  }
}
