import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists (a zombie counts). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** The fields of /proc/<pid>/stat after the parenthesised command name (state, ppid, …). */
function statFields(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
}

/** The parent pid of a process. */
export function ppid(pid: number): number {
  return Number(statFields(pid)[1]);
}

/** The state letter of a process ('S' sleeping, 'Z' zombie, …). */
export function state(pid: number): string {
  return statFields(pid)[0] ?? '';
}
