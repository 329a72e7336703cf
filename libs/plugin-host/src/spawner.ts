import { spawn, type ChildProcess } from 'node:child_process';
import type * as ChildProcessModule from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type * as ReadlineModule from 'node:readline';
import type { MessagePort } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';

/**
 * A started plugin process, as the host uses it. Events: 'spawn'; 'line' (fd 1 or 2, one line of the plugin's stdout
 * or stderr, without its line break); 'exit' (code, signal); 'error' (it could not be started: no 'exit' follows).
 */
export interface PluginProcess extends EventEmitter {
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
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
 * Where plugin processes are started from. `'worker'` (default): one worker thread per host starts them, reads their
 * output and reaps them, and passes lines, exit codes and signals to the host's main thread as messages, so the main
 * thread's JavaScript never runs child-process or stream code for plugins, and a start blocks the worker, not the main
 * thread (`npm run bench plugin-spawn`: 0.06 ms instead of 2.24 ms). Not shown to make requests cheaper: the per-request
 * cost once claimed for forking in the main thread was a measuring artifact (edge README, "Correction"). `'direct'`:
 * the main thread starts them itself.
 */
export type SpawnVia = 'worker' | 'direct';

export function spawnPluginProcess(req: SpawnRequest, via: SpawnVia = 'worker'): PluginProcess {
  if (via === 'direct') return new DirectProcess(req);
  spawner ??= new WorkerSpawner();
  return spawner.spawn(req);
}

let spawner: WorkerSpawner | undefined;

/**
 * Ends the spawner thread, if one runs, and resolves once it has exited — the path a thread that died takes: its
 * plugins are killed by pid and report exit (SIGKILL), one not yet started reports 'error'; the next spawn starts a
 * new thread. For the host's tests of that path (not exported from the package).
 */
export function endSpawnerThread(): Promise<void> {
  return spawner?.end() ?? Promise.resolve();
}

/** Lines of a stream, as readline splits them (\n, \r\n). */
function lines(child: ChildProcess, emit: (fd: 1 | 2, line: string) => void): void {
  if (child.stdout) createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (l) => emit(1, l));
  if (child.stderr) createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (l) => emit(2, l));
}

/** A plugin process the calling thread started itself. */
class DirectProcess extends EventEmitter implements PluginProcess {
  private readonly child: ChildProcess;
  constructor(req: SpawnRequest) {
    super();
    this.child = spawn(req.command, req.args, {
      env: req.env, cwd: req.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(req.uid !== undefined ? { uid: req.uid, gid: req.gid } : {}),
    });
    this.child.once('spawn', () => this.emit('spawn'));
    this.child.once('exit', (code, signal) => this.emit('exit', code, signal));
    this.child.on('error', (e) => { if (this.child.pid === undefined) this.emit('error', e); });
    lines(this.child, (fd, line) => this.emit('line', fd, line));
  }
  get pid(): number | undefined { return this.child.pid; }
  get exitCode(): number | null { return this.child.exitCode; }
  get signalCode(): NodeJS.Signals | null { return this.child.signalCode; }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean { return this.child.kill(signal); }
}

/**
 * The worker's whole program, run from source (`eval`: no file to locate, no loader): it spawns what the main thread
 * asks, splits each child's stdout/stderr into lines, and posts them and the exit back; it signals on request.
 * Self-contained: it is sent as source, so it may use only its parameters.
 */
function workerMain(cp: typeof ChildProcessModule, createLines: typeof ReadlineModule.createInterface, port: MessagePort): void {
  const children = new Map<number, ChildProcessModule.ChildProcess>();
  port.on('message', (m: { op: string; id: number; command: string; args: string[]; env: Record<string, string>; cwd?: string; uid?: number; gid?: number; signal?: NodeJS.Signals }) => {
    if (m.op === 'kill') {
      const c = children.get(m.id);
      if (c) { try { c.kill(m.signal); } catch { /* already gone */ } }
      return;
    }
    if (m.op !== 'spawn') return;
    const failed = (e: unknown): void => {
      children.delete(m.id);
      port.postMessage({ ev: 'error', id: m.id, message: e instanceof Error ? e.message : String(e), code: e instanceof Error && 'code' in e ? e.code : undefined, errno: e instanceof Error && 'errno' in e ? e.errno : undefined });
    };
    let child: ChildProcessModule.ChildProcess;
    try {
      child = cp.spawn(m.command, m.args, { env: m.env, cwd: m.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(m.uid !== undefined ? { uid: m.uid, gid: m.gid } : {}) });
    } catch (e) {
      failed(e);
      return;
    }
    children.set(m.id, child);
    child.once('spawn', () => port.postMessage({ ev: 'spawn', id: m.id, pid: child.pid }));
    child.on('error', (e) => { if (child.pid === undefined) failed(e); });
    if (child.stdout) createLines({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => port.postMessage({ ev: 'line', id: m.id, fd: 1, line }));
    if (child.stderr) createLines({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => port.postMessage({ ev: 'line', id: m.id, fd: 2, line }));
    // 'exit' is posted after the last line when the pipes close within 200 ms of the exit (a grandchild may hold them open).
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const postExit = (): void => {
      if (!exited) return;
      clearTimeout(timer);
      port.postMessage({ ev: 'exit', id: m.id, ...exited });
      exited = undefined;
    };
    child.once('exit', (code, signal) => { exited = { code, signal }; timer = setTimeout(postExit, 200); });
    child.once('close', () => { postExit(); children.delete(m.id); port.postMessage({ ev: 'close', id: m.id }); });
  });
}

type WorkerEvent =
  | { ev: 'spawn'; id: number; pid: number }
  | { ev: 'error'; id: number; message: string; code: string | undefined; errno: number }
  | { ev: 'line'; id: number; fd: 1 | 2; line: string }
  | { ev: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { ev: 'close'; id: number };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isSignal(v: unknown): v is NodeJS.Signals {
  return typeof v === 'string' && /^SIG[A-Z0-9]+$/.test(v);
}

/** The worker's messages, checked field by field. */
function parseEvent(m: unknown): WorkerEvent | undefined {
  if (!isRecord(m) || typeof m.id !== 'number') return undefined;
  const id = m.id;
  switch (m.ev) {
    case 'spawn': return typeof m.pid === 'number' ? { ev: 'spawn', id, pid: m.pid } : undefined;
    case 'error': return typeof m.message === 'string' ? { ev: 'error', id, message: m.message, code: typeof m.code === 'string' ? m.code : undefined, errno: typeof m.errno === 'number' ? m.errno : -1 } : undefined;
    case 'line': return (m.fd === 1 || m.fd === 2) && typeof m.line === 'string' ? { ev: 'line', id, fd: m.fd, line: m.line } : undefined;
    case 'exit': return (typeof m.code === 'number' || m.code === null) && (m.signal === null || isSignal(m.signal)) ? { ev: 'exit', id, code: m.code, signal: m.signal } : undefined;
    case 'close': return { ev: 'close', id };
    default: return undefined;
  }
}

class WorkerSpawner {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly live = new Map<number, WorkerChild>();

  spawn(req: SpawnRequest): PluginProcess {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const child = new WorkerChild((signal) => this.worker?.postMessage({ op: 'kill', id, signal }));
    this.live.set(id, child);
    this.hold();
    worker.postMessage({ op: 'spawn', id, command: req.command, args: req.args, env: req.env, cwd: req.cwd, uid: req.uid, gid: req.gid });
    return child;
  }

  private start(): Worker {
    // `__name`: what esbuild's keepNames (tsx in development) wraps inner functions in; compiled JavaScript has none.
    const source = `const __name = (f) => f; (${workerMain.toString()})(require('node:child_process'), require('node:readline').createInterface, require('node:worker_threads').parentPort)`;
    const worker = new Worker(source, { eval: true, name: 'plugway-plugin-spawner' });
    this.worker = worker;
    worker.on('message', (m) => {
      const e = parseEvent(m);
      const child = e && this.live.get(e.id);
      if (!e || !child) return;
      if (e.ev === 'close' || e.ev === 'error') { this.live.delete(e.id); this.hold(); }
      child.deliver(e);
    });
    worker.once('exit', () => this.retire(worker));
    worker.on('error', (err) => this.retire(worker, err));
    return worker;
  }

  end(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    // Resolves after retire() has run: its 'exit' listener was added first.
    return new Promise((resolve) => { worker.once('exit', () => resolve()); void worker.terminate(); });
  }

  /**
   * The worker ended (it threw, or was terminated): the host knows its plugins' pids, kills them and reports them
   * exited. They stay zombies until the host exits: only the ended thread's event loop would have reaped them.
   */
  private retire(worker: Worker, err?: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    for (const [id, child] of this.live) {
      this.live.delete(id);
      child.orphaned(err);
    }
  }

  /** Keeps the host's event loop alive while plugins run, as a ChildProcess of its own would; lets it exit otherwise. */
  private hold(): void {
    if (this.live.size) this.worker?.ref(); else this.worker?.unref();
  }
}

/** A plugin process started by the worker. */
class WorkerChild extends EventEmitter implements PluginProcess {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  constructor(private readonly sendSignal: (signal: NodeJS.Signals) => void) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false;
    this.sendSignal(signal);
    return true;
  }

  deliver(e: WorkerEvent): void {
    switch (e.ev) {
      case 'spawn': this.pid = e.pid; this.emit('spawn'); break;
      case 'line': this.emit('line', e.fd, e.line); break;
      case 'exit': this.exitCode = e.code; this.signalCode = e.signal; this.emit('exit', e.code, e.signal); break;
      case 'close': break; // the spawner drops the child on it (its exit was delivered first)
      case 'error': {
        // As a ChildProcess that failed to spawn: no pid, the (negative) errno as its exit code, 'error' and no 'exit'.
        this.exitCode = e.errno;
        this.emit('error', Object.assign(new Error(e.message), e.code ? { code: e.code } : {}));
        break;
      }
    }
  }

  orphaned(err: Error | undefined): void {
    if (this.pid === undefined) {
      this.exitCode = -1;
      this.emit('error', err ?? new Error('the plugin spawner thread ended before starting the plugin'));
      return;
    }
    if (this.exitCode !== null || this.signalCode !== null) return;
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
    this.signalCode = 'SIGKILL';
    this.emit('exit', null, 'SIGKILL');
  }
}
