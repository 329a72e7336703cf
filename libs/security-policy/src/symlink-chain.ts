// Follows a path's symlinks one by one, the way the kernel does, recording where each followed link lives.
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';

/** The kernel's limit on symlinks followed in one lookup (Linux MAXSYMLINKS). */
const MAX_LINKS = 40;

export interface SymlinkChain {
  /** The real path the walk ended at. */
  real: string;
  /** The canonical location of every symlink that was followed, in order. */
  links: string[];
}

/**
 * Resolves `rest` (components below `start`, which is already a real directory) without the final realpath shortcut,
 * so the caller can see whether any link on the way lives outside a directory.
 * @throws the file system's error (ENOENT, ENOTDIR, …) or ELOOP after MAX_LINKS links
 */
export async function resolveChain(start: string, rest: string): Promise<SymlinkChain> {
  const links: string[] = [];
  let current = start;
  const pending = rest.split('/');
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') { current = posix.dirname(current); continue; }
    const next = posix.join(current, part);
    if (!(await lstat(next)).isSymbolicLink()) { current = next; continue; }
    if (links.push(next) > MAX_LINKS) throw Object.assign(new Error(`too many symlinks below ${start}`), { code: 'ELOOP' });
    const target = await readlink(next);
    if (target.startsWith('/')) current = '/';
    pending.unshift(...target.split('/'));
  }
  return { real: current, links };
}
