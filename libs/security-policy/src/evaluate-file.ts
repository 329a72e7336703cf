import { constants as fsc } from 'node:fs';
import { access, realpath as fsRealpath, stat } from 'node:fs/promises';
import { isAbsolute, normalize, sep } from 'node:path';
import type { FileCommand } from '@plugway/command';
import { globToRegExp } from './allowlist.js';
import { aborted, deny } from './findings.js';
import type { Decision, Finding, Policy } from './policy.js';

function inDir(path: string, dir: string): boolean {
  const d = normalize(dir).replace(/\/+$/, '');
  return path === d || path.startsWith(d + sep);
}

/**
 * file://: the real path (symlinks resolved) is what runs, so it is what gets checked. A path trusted by where it
 * is (allowlist glob or plugin dir) whose real path is not trusted is a symlink escape.
 */
export async function evaluateFile(cmd: FileCommand, p: Policy, realpath: (path: string) => Promise<string> = fsRealpath, signal?: AbortSignal): Promise<Decision> {
  const raw = String(cmd.path);
  if (!isAbsolute(raw) || raw.includes('\0')) return deny({ code: 'POLICY_PATH_INVALID', message: `${JSON.stringify(raw)} is not an absolute path`, details: { path: raw } });
  if (raw.split('/').includes('..')) return deny({ code: 'POLICY_PATH_TRAVERSAL', message: `${raw} contains ".." segments; use the canonical absolute path`, details: { path: raw } });
  const path = normalize(raw);
  const globs = p.entries.filter((e) => e.kind === 'path');
  // Trusted locations may themselves sit behind symlinks (/opt/plugins -> /data/plugins): their real forms count too.
  const canon = async (d: string): Promise<string> => { try { return await realpath(d); } catch { return d; } };
  const realGlobs = await Promise.all(globs.map(async (g) => {
    const base = await canon(g.base);
    return base === g.base ? g.re : globToRegExp(base.replace(/\/$/, '') + g.tail);
  }));
  const dirs = [...p.options.pluginDirs, ...(await Promise.all(p.options.pluginDirs.map(canon)))];
  const globbed = (x: string): boolean => globs.some((g) => g.re.test(x)) || realGlobs.some((re) => re.test(x));
  const standard = (x: string): boolean => dirs.some((d) => inDir(x, d));
  const trusted = (x: string): boolean => globbed(x) || standard(x);
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    return deny({ code: 'POLICY_PATH_NOT_FOUND', message: `${path} does not exist or cannot be resolved`, details: { path, errno: (e as NodeJS.ErrnoException).code } });
  }
  if (signal?.aborted) throw aborted();
  const warnings: Finding[] = [];
  if (real !== path) {
    if (trusted(path) && !trusted(real)) return deny({ code: 'POLICY_PATH_SYMLINK_ESCAPE', message: `${path} resolves through a symlink to ${real}, outside the allowed locations`, details: { path, realpath: real } });
    if (globs.length && globbed(path) && !globbed(real) && p.options.allowlistMode === 'enforce') {
      return deny({ code: 'POLICY_PATH_SYMLINK_ESCAPE', message: `${path} resolves through a symlink to ${real}, outside the PLUGIN_COMMAND_ALLOWLIST globs`, details: { path, realpath: real } });
    }
    warnings.push({ code: 'POLICY_WARN_SYMLINK', message: `${path} resolves to ${real}; the real path is what runs`, details: { path, realpath: real } });
  }
  if (globs.length && !globbed(real)) {
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
  if (!trusted(real)) {
    warnings.push({ code: 'POLICY_WARN_OUTSIDE_PLUGIN_DIRS', message: `${real} is outside the standard plugin directories (${p.options.pluginDirs.join(', ')}) and not in PLUGIN_COMMAND_ALLOWLIST`, details: { path: real } });
  }
  return { allowed: true, warnings, target: { kind: 'file', path: real } };
}
