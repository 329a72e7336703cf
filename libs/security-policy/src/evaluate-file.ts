import { constants as fsc } from 'node:fs';
import { access, realpath as fsRealpath, stat } from 'node:fs/promises';
import { isAbsolute, normalize, sep } from 'node:path';
import type { FileCommand } from '@plugway/command';
import { globToRegExp } from './allowlist.js';
import { aborted, deny } from './findings.js';
import { resolveChain } from './symlink-chain.js';
import type { Decision, Finding, Policy } from './policy.js';

function inDir(path: string, dir: string): boolean {
  const d = normalize(dir).replace(/\/+$/, '');
  return path === d || path.startsWith(d + sep);
}

/** An allowlist path glob with its literal base directory resolved (`/plugins/*` → `/plugins` → its real path). */
interface Glob { re: RegExp; realRe: RegExp; base: string; realBase: string }

/**
 * Whether a symlinked name granted by `g` stays in g's directory: every link followed below the (resolved) base
 * directory, and the file it ends at, must be inside it. This admits Kubernetes ConfigMap/Secret/projected volumes
 * (`my-plugin → ..data/my-plugin`, `..data → ..2026_…`) and refuses a chain that leaves, even if it comes back: the
 * link outside would pick what runs. Returns the first location outside, or undefined when the chain stays inside.
 */
async function leavesGlobDir(path: string, real: string, g: Glob): Promise<string | undefined> {
  const rest = g.re.test(path) ? path.slice(g.base.length) : path.slice(g.realBase.length);
  let chain: Awaited<ReturnType<typeof resolveChain>>;
  try {
    chain = await resolveChain(g.realBase, rest);
  } catch {
    return path;
  }
  // The directory changed between the realpath and this walk: trust neither answer.
  if (chain.real !== real) return chain.real;
  return [...chain.links, real].find((x) => !inDir(x, g.realBase));
}

/**
 * file://: the real path (symlinks resolved) is what runs, so it is what gets checked. A path trusted by where it
 * is (allowlist glob or plugin dir) whose real path is not trusted is a symlink escape. A name matching an allowlist
 * glob is granted through symlinks only while they stay in the glob's directory (leavesGlobDir).
 */
export async function evaluateFile(cmd: FileCommand, p: Policy, realpath: (path: string) => Promise<string> = fsRealpath, signal?: AbortSignal): Promise<Decision> {
  const raw = String(cmd.path);
  if (!isAbsolute(raw) || raw.includes('\0')) return deny({ code: 'POLICY_PATH_INVALID', message: `${JSON.stringify(raw)} is not an absolute path`, details: { path: raw } });
  if (raw.split('/').includes('..')) return deny({ code: 'POLICY_PATH_TRAVERSAL', message: `${raw} contains ".." segments; use the canonical absolute path`, details: { path: raw } });
  const path = normalize(raw);
  // Trusted locations may themselves sit behind symlinks (/opt/plugins -> /data/plugins): their real forms count too.
  const canon = async (d: string): Promise<string> => { try { return await realpath(d); } catch { return d; } };
  const globs: Glob[] = await Promise.all(p.entries.filter((e) => e.kind === 'path').map(async (g) => {
    const realBase = await canon(g.base);
    return { re: g.re, base: g.base, realBase, realRe: realBase === g.base ? g.re : globToRegExp(realBase.replace(/\/$/, '') + g.tail) };
  }));
  const dirs = [...p.options.pluginDirs, ...(await Promise.all(p.options.pluginDirs.map(canon)))];
  const matching = (x: string): Glob[] => globs.filter((g) => g.re.test(x) || g.realRe.test(x));
  const standard = (x: string): boolean => dirs.some((d) => inDir(x, d));
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    return deny({ code: 'POLICY_PATH_NOT_FOUND', message: `${path} does not exist or cannot be resolved`, details: { path, errno: (e as NodeJS.ErrnoException).code } });
  }
  if (signal?.aborted) throw aborted();
  const named = matching(path);
  // Granted by a glob: the name itself when it is real, else a chain that stays in a matching glob's directory, or (for
  // a name no glob matches) a real path that matches one.
  let globbed = real === path ? named.length > 0 : named.length === 0 && matching(real).length > 0;
  let outside: string | undefined;
  if (real !== path) {
    for (const g of named) {
      outside = await leavesGlobDir(path, real, g);
      if (outside === undefined) { globbed = true; break; }
    }
  }
  const warnings: Finding[] = [];
  if (real !== path) {
    const escape = (where: string): Decision => deny({ code: 'POLICY_PATH_SYMLINK_ESCAPE', message: `${path} resolves through a symlink to ${real}${outside && outside !== real ? ` (via ${outside})` : ''}, outside ${where}`, details: { path, realpath: real, ...(outside ? { outside } : {}) } });
    if ((named.length > 0 || standard(path)) && !globbed && !standard(real)) return escape('the allowed locations');
    if (named.length > 0 && !globbed && p.options.allowlistMode === 'enforce') return escape('the directory of its PLUGIN_COMMAND_ALLOWLIST glob');
    warnings.push({ code: 'POLICY_WARN_SYMLINK', message: `${path} resolves to ${real}; the real path is what runs`, details: { path, realpath: real } });
  }
  if (globs.length && !globbed) {
    const message = `${real} matches no path glob of PLUGIN_COMMAND_ALLOWLIST`;
    if (p.options.allowlistMode === 'enforce') return deny({ code: 'POLICY_NOT_ALLOWLISTED', message, details: { path: real } }, warnings);
    warnings.push({ code: 'POLICY_WARN_NOT_ALLOWLISTED', message, details: { path: real } });
  }
  let isFile: boolean;
  let mode: number;
  try {
    const st = await stat(real);
    isFile = st.isFile();
    mode = st.mode;
  } catch (e) {
    return deny({ code: 'POLICY_PATH_NOT_FOUND', message: `${real} disappeared while being checked`, details: { path: real, errno: (e as NodeJS.ErrnoException).code } }, warnings);
  }
  if (!isFile) return deny({ code: 'POLICY_PATH_NOT_FILE', message: `${real} is not a regular file`, details: { path: real } }, warnings);
  try {
    // Some execute bit must be set: root passes access(X_OK) for any file with one, never for one with none.
    if ((mode & 0o111) === 0) throw new Error('no execute bit');
    await access(real, fsc.X_OK);
  } catch {
    return deny({ code: 'POLICY_PATH_NOT_EXECUTABLE', message: `${real} is not executable (chmod +x it)`, details: { path: real } }, warnings);
  }
  if (!globbed && !standard(real)) {
    warnings.push({ code: 'POLICY_WARN_OUTSIDE_PLUGIN_DIRS', message: `${real} is outside the standard plugin directories (${p.options.pluginDirs.join(', ')}) and not in PLUGIN_COMMAND_ALLOWLIST`, details: { path: real } });
  }
  return { allowed: true, warnings, target: { kind: 'file', path: real } };
}
