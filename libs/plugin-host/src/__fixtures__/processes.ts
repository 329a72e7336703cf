import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists (a zombie counts). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** The parent pid of a process, from /proc/<pid>/stat (the field after the parenthesised command name). */
export function ppid(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
}

/** The state letter of a process, from /proc/<pid>/stat ('S' sleeping, 'Z' zombie, …). */
export function state(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[0] ?? '';
}
