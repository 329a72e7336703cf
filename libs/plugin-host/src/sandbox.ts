// Least privilege for plugin processes: who a plugin runs as, where, with which limits — and the spawn that does it.
import { constants as fsc } from 'node:fs';
import { access, chmod, chown, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { processExists } from '@plugway/core';
import { PluginHostError } from './error.js';

/** Resource limits (setrlimit, soft = hard); an unset limit is inherited from the host. */
export interface PluginLimits {
  /** RLIMIT_AS in bytes: address space. V8 and Go reserve far more than they use, and every WebAssembly memory in V8
   * reserves 10 GiB: Node plugins that use WebAssembly (tsx does) need ≥ 16 GiB, Go plugins ≥ 2 GiB. */
  addressSpaceBytes?: number;
  /** RLIMIT_NOFILE: open file descriptors. */
  openFiles?: number;
  /** RLIMIT_NPROC: processes and threads of the plugin's uid, counted system-wide (a budget shared by plugins with one uid). */
  processes?: number;
  /** RLIMIT_CPU: CPU seconds over the process's life; then SIGXCPU/SIGKILL (the supervisor restarts it). */
  cpuSeconds?: number;
}

/** How plugins run; every field optional (see resolveSandbox for the defaults). */
export interface SandboxOptions {
  /** User name or uid. Default: `nobody` when the host runs as root, else the host's own user. */
  user?: string | number;
  /** Group name or gid. Default: the user's primary group (the host's group when not switching). */
  group?: string | number;
  /** Permit uid 0. Without it, a plugin is never run as root. */
  allowRoot?: boolean;
  /** Parent of the private working directories (default `<os tmpdir>/plugway-plugins`). */
  workRoot?: string;
  limits?: PluginLimits;
}

/** A resolved sandbox: pass it to launchPlugin as `sandbox`. */
export interface SandboxPlan {
  user: string;
  uid: number;
  group: string;
  gid: number;
  workRoot: string;
  limits: PluginLimits;
}

/** What a launched plugin got; the runtime shows it in the plugin's status. */
export interface AppliedSandbox extends Omit<SandboxPlan, 'workRoot'> {
  /** Its private, initially empty working directory (also its HOME and TMPDIR), mode 0700, owned by it; removed when it stops (see prepareSandboxedSpawn). */
  workDir: string;
  umask: '0077';
  /** Every file descriptor beyond stdin/stdout/stderr is closed before the plugin starts. */
  fds: 'stdio-only';
  /** Set when the plugin's uid could not reach the checked file (or a file named by an absolute argument): the root-owned,
   * read-only copies that were used instead (comma-separated). */
  staged?: string;
}

interface Account { name: string; id: number; gid?: number }

async function accounts(file: string): Promise<Account[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, id: Number(f[2]), ...(f[3] && /^\d+$/.test(f[3]) ? { gid: Number(f[3]) } : {}) }));
}

function lookup(list: Account[], want: string | number, kind: string): Account {
  const byId = typeof want === 'number' || /^\d+$/.test(want) ? Number(want) : undefined;
  const hit = list.find((a) => (byId === undefined ? a.name === want : a.id === byId));
  if (hit) return hit;
  if (byId !== undefined) return { name: String(byId), id: byId };
  throw new PluginHostError({ code: 'PLUGIN_SANDBOX_FAILED', message: `unknown ${kind} "${want}" (not in /etc/${kind === 'user' ? 'passwd' : 'group'}); use a name that exists or a numeric id`, details: { [kind]: want } });
}

/**
 * Works out who plugins run as. As root the default is `nobody`; a non-root host can only run plugins as itself.
 * @throws PluginHostError PLUGIN_RUN_AS_ROOT_REFUSED (uid 0 without allowRoot), PLUGIN_SANDBOX_FAILED (unknown user or
 *   group, or a non-root host asked to switch users)
 */
export async function resolveSandbox(opts: SandboxOptions = {}, host: { uid: number; gid: number } = { uid: process.getuid!(), gid: process.getgid!() }): Promise<SandboxPlan> {
  const users = await accounts('/etc/passwd');
  const groups = await accounts('/etc/group');
  const self = users.find((u) => u.id === host.uid)?.name ?? String(host.uid);
  const user = opts.user === undefined ? (host.uid === 0 ? lookup(users, 'nobody', 'user') : { name: self, id: host.uid, gid: host.gid }) : lookup(users, opts.user, 'user');
  const gid = opts.group === undefined ? (user.gid ?? user.id) : lookup(groups, opts.group, 'group').id;
  const group = groups.find((g) => g.id === gid)?.name ?? String(gid);
  if ((user.id === 0 || gid === 0) && !opts.allowRoot) {
    throw new PluginHostError({ code: 'PLUGIN_RUN_AS_ROOT_REFUSED', message: `refusing to run plugins as ${user.id === 0 ? 'root' : 'group root'}: set PLUGIN_RUN_AS_USER to an unprivileged user, or PLUGIN_ALLOW_ROOT=true to accept it`, details: { uid: user.id, gid } });
  }
  if (host.uid !== 0 && (user.id !== host.uid || gid !== host.gid)) {
    throw new PluginHostError({ code: 'PLUGIN_SANDBOX_FAILED', message: `the host runs as uid ${host.uid} and cannot start plugins as ${user.name} (uid ${user.id}, gid ${gid}); run the host as root or leave PLUGIN_RUN_AS_USER/GROUP unset`, details: { uid: user.id, gid, hostUid: host.uid } });
  }
  return { user: user.name, uid: user.id, group, gid, workRoot: opts.workRoot ?? join(tmpdir(), 'plugway-plugins'), limits: { ...opts.limits } };
}

// Whether uid/gid (no supplementary groups: they are dropped) may search every directory on the way and then execute
// (bit 1) or read (bit 4) the file.
async function reachable(path: string, uid: number, gid: number, bit: 1 | 4): Promise<boolean> {
  if (uid === 0) return true;
  const may = (st: { uid: number; gid: number; mode: number }, b: number): boolean => (st.mode & (st.uid === uid ? b << 6 : st.gid === gid ? b << 3 : b)) !== 0;
  if (!may(await stat(path), bit)) return false;
  for (let d = dirname(path); ; d = dirname(d)) {
    if (!may(await stat(d), 1)) return false;
    if (d === '/') return true;
  }
}

const isFile = (p: string): Promise<boolean> => stat(p).then((st) => st.isFile(), () => false);

const LIMIT_FLAGS: Array<[keyof PluginLimits, string]> = [['addressSpaceBytes', 'as'], ['openFiles', 'nofile'], ['processes', 'nproc'], ['cpuSeconds', 'cpu']];
// bash, not sh: dash cannot close descriptors above 9. The loop closes whatever the host inherited without CLOEXEC.
const WRAPPER = 'umask 077; for f in /proc/self/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$@"';

// A launch's directories are `<id>-p<host pid>-XXXXXX` and `….exe`. A host that was killed (SIGKILL, OOM, power) could not
// stop its plugins (go-plugin servers do not watch their parent) nor remove their directories: the first launch of each
// host process does both for the hosts that are gone — it kills the processes whose working directory is such a
// launch directory (the plugin and whatever it started there), then removes the directories. A directory named by this
// process's own pid is a former process's when it was last changed before this process started (a restarted
// container's entrypoint gets the same pid); a newer one may be another copy of this library's in this process, and
// stays. Only hosts of this uid can write to the root (checked above); a pid taken again by another process only keeps
// a directory longer.
const LAUNCH_DIR = /-p(\d+)-[A-Za-z0-9]{6}(?:\.exe)?$/;
const swept = new Map<string, Promise<void>>();

async function sweepOnce(workRoot: string): Promise<void> {
  // one sweep per directory however it is spelled ('/x/', '/y/../x', a symlink)
  const key = await realpath(workRoot).catch(() => resolve(workRoot));
  let p = swept.get(key);
  if (!p) {
    p = sweepDeadHosts(key);
    swept.set(key, p);
  }
  return p;
}

/** Best effort: what cannot be listed, killed or removed stays, and the launch goes on. */
async function sweepDeadHosts(root: string): Promise<void> {
  const stale: string[] = [];
  for (const name of await readdir(root).catch(() => [])) {
    const pid = Number(LAUNCH_DIR.exec(name)?.[1] ?? 0);
    if (pid <= 0) continue;
    const dir = join(root, name);
    if (pid === process.pid ? await changedBefore(dir, performance.timeOrigin) : !processExists(pid)) stale.push(dir);
  }
  if (!stale.length) return;
  for (const pid of await processesIn(new Set(stale))) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  }
  for (const dir of stale) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/** The processes whose working directory is one of `dirs` (from /proc; those this host may not inspect are skipped). */
async function processesIn(dirs: ReadonlySet<string>): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => undefined);
    if (cwd !== undefined && dirs.has(cwd)) pids.push(Number(entry));
  }
  return pids;
}

const changedBefore = (path: string, ms: number): Promise<boolean> => lstat(path).then((st) => st.mtimeMs < ms, () => false);

async function firstExisting(paths: string[], what: string): Promise<string> {
  for (const p of paths) if (await access(p, fsc.X_OK).then(() => true, () => false)) return p;
  throw new PluginHostError({ code: 'PLUGIN_SANDBOX_FAILED', message: `${what} not found (${paths.join(', ')}); it is needed to start plugins with least privilege`, details: { paths } });
}

export interface SandboxedSpawn {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  uid?: number;
  gid?: number;
  applied: AppliedSandbox;
  /** Removes the working directory (and the staged copy); call once the process has exited. */
  cleanup: () => Promise<void>;
}

/**
 * Prepares one launch under `plan`: a fresh private working directory, a staged copy when the plugin's uid cannot reach
 * `path`, and `bash -c <umask 077, close fds> prlimit <limits> -- path args`, run with the plan's uid/gid.
 * @throws PluginHostError PLUGIN_SANDBOX_FAILED
 */
export async function prepareSandboxedSpawn(id: string, path: string, args: string[], env: Record<string, string>, plan: SandboxPlan): Promise<SandboxedSpawn> {
  const { uid, gid } = plan;
  const switching = process.getuid!() === 0;
  let workDir: string | undefined;
  let stageDir: string | undefined;
  const cleanup = async (): Promise<void> => {
    for (const d of [workDir, stageDir]) if (d) await rm(d, { recursive: true, force: true });
  };
  try {
    const bash = await firstExisting(['/bin/bash', '/usr/bin/bash'], 'bash');
    const limitArgs = LIMIT_FLAGS.filter(([k]) => plan.limits[k] !== undefined).map(([k, flag]) => `--${flag}=${plan.limits[k]}:${plan.limits[k]}`);
    const prlimit = limitArgs.length ? [await firstExisting(['/usr/bin/prlimit', '/bin/prlimit'], 'prlimit (util-linux)'), ...limitArgs, '--'] : [];
    await mkdir(plan.workRoot, { recursive: true, mode: 0o711 });
    // In a shared /tmp someone else may have made it first: whoever controls it could swap a staged copy before the exec.
    const root = await lstat(plan.workRoot);
    if (!root.isDirectory() || root.uid !== process.getuid!() || (root.mode & 0o022) !== 0) {
      throw new PluginHostError({ code: 'PLUGIN_SANDBOX_FAILED', message: `${plan.workRoot} must be a directory owned by the host's user and writable by nobody else (PLUGIN_WORK_DIR)`, details: { workRoot: plan.workRoot } });
    }
    await sweepOnce(plan.workRoot);
    workDir = await mkdtemp(join(plan.workRoot, `${id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-p${process.pid}-`));
    if (switching) await chown(workDir, uid, gid);
    await chmod(workDir, 0o700);
    // The OCI cache and test temp dirs are 0700: what the plugin's user cannot reach — the executable, or a file named by
    // an absolute argument (a packaged script run by the host's node) — runs from a root-owned, read-only copy instead.
    const staged: string[] = [];
    const stage = async (file: string, mode: number): Promise<string> => {
      stageDir ??= `${workDir}.exe`;
      await mkdir(stageDir, { recursive: true, mode: 0o711 });
      const copy = join(stageDir, `${staged.length}-${basename(file)}`);
      await copyFile(file, copy);
      await chmod(copy, mode);
      staged.push(copy);
      return copy;
    };
    const exe = (await reachable(path, uid, gid, 1)) ? path : await stage(path, 0o555);
    const argv: string[] = [];
    for (const a of args) argv.push(a.startsWith('/') && (await isFile(a)) && !(await reachable(a, uid, gid, 4)) ? await stage(a, 0o444) : a);
    const applied: AppliedSandbox = { user: plan.user, uid, group: plan.group, gid, limits: { ...plan.limits }, workDir, umask: '0077', fds: 'stdio-only', ...(staged.length ? { staged: staged.join(',') } : {}) };
    return {
      command: bash, args: ['-c', WRAPPER, 'plugway-plugin', ...prlimit, exe, ...argv], env: { ...env, HOME: workDir, TMPDIR: workDir }, cwd: workDir,
      ...(switching ? { uid, gid } : {}), applied, cleanup,
    };
  } catch (e) {
    await cleanup();
    if (e instanceof PluginHostError) throw e;
    throw new PluginHostError({ code: 'PLUGIN_SANDBOX_FAILED', message: `could not prepare the sandbox for plugin ${id}: ${(e as Error).message}`, cause: e, details: { path } });
  }
}
