import type { CliIo } from './io.js';

/** An in-memory CliIo for tests: collects stdout/stderr. */
export function memoryIo(env: Record<string, string | undefined> = {}): CliIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    env,
    isTTY: false,
    out: () => out.join('\n'),
    err: () => err.join('\n'),
  };
}
