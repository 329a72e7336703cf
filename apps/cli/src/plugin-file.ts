// What `plugway push` accepts: the artifact holds exactly one file, so it must run on the host by itself.
import { accessSync, constants, openSync, readSync, closeSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { readPackageHeader, type PackageHeader } from './package-header.js';

export type PluginFileKind =
  | { kind: 'elf' }
  | { kind: 'mach-o' }
  | { kind: 'packaged'; header: PackageHeader }
  | { kind: 'script'; interpreter: string }
  | { kind: 'refused'; reason: string };

const HEAD_BYTES = 4096;
const MACH_O = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe]);
// Interpreters a script may name that exist on every host; anything else must resolve on this machine.
const NODE_LIKE = /(^|\/)(node|nodejs|tsx|ts-node|bun|deno|npx)$/;
// A shell script that starts Node on sources, or runs files next to itself, is a development wrapper: only the script
// would be pushed.
const WRAPPER = /\b(node|tsx|ts-node|npx|npm)\b[^\n]*(--import|\.m?[jt]s\b|\brun\b)|dirname[^\n]*\$(0|\{0\}|\{?BASH_SOURCE)/;
const HINT = 'build one runnable file with "plugway package" and push that (or pass --force)';

function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

function onPath(name: string, pathVar: string | undefined): boolean {
  return (pathVar ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));
}

function executable(p: string): boolean {
  try { accessSync(p, constants.X_OK); return statSync(p).isFile(); } catch { return false; }
}

/**
 * Classifies a file given to `plugway push`: an ELF or Mach-O executable, a packaged plugin, or a script whose
 * interpreter resolves; anything else (a `.ts` source, a wrapper around `node --import tsx …`) is refused with a
 * reason that names `plugway package`.
 */
export function classifyPluginFile(path: string, env: Record<string, string | undefined>): PluginFileKind {
  let st;
  try { st = statSync(path); } catch (e) { return { kind: 'refused', reason: `cannot read ${path}: ${(e as Error).message}` }; }
  if (!st.isFile()) return { kind: 'refused', reason: `${path} is not a regular file` };
  const bytes = head(path);
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x7f454c46) return { kind: 'elf' };
  if (bytes.length >= 4 && MACH_O.has(bytes.readUInt32BE(0))) return { kind: 'mach-o' };
  const header = readPackageHeader(bytes);
  if (header) return { kind: 'packaged', header };
  const text = bytes.toString('utf8');
  if (!text.startsWith('#!')) {
    const what = /\.[cm]?[jt]sx?$/.test(path) ? 'a JavaScript/TypeScript source file' : 'neither an ELF/Mach-O executable nor a script with a #! line';
    return { kind: 'refused', reason: `${path} is ${what}; ${HINT}` };
  }
  const words = (text.split('\n', 1)[0] ?? '').slice(2).trim().split(/\s+/);
  const envForm = words[0] === '/usr/bin/env' || words[0] === '/bin/env';
  const interpreter = envForm ? words.slice(1).find((w) => !w.startsWith('-')) ?? '' : words[0] ?? '';
  if (NODE_LIKE.test(interpreter)) {
    return { kind: 'refused', reason: `${path} is a ${interpreter.split('/').pop()} script that was not packaged: its imports are not in the artifact; ${HINT}` };
  }
  if (WRAPPER.test(text)) return { kind: 'refused', reason: `${path} is a wrapper script that starts Node or runs files next to itself, which the artifact does not hold; ${HINT}` };
  const resolvable = envForm ? onPath(interpreter, env.PATH) : isAbsolute(interpreter) && executable(interpreter);
  if (!resolvable) return { kind: 'refused', reason: `${path} names the interpreter "${interpreter}", which does not resolve on this machine; ${HINT}` };
  return { kind: 'script', interpreter };
}
