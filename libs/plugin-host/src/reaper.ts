// Every live plugin child, so none outlives the host process (no orphans when the host exits).
interface Tracked { readonly pid: number | undefined }
const live = new Set<Tracked>();
let hooked = false;

export function track(child: Tracked): void {
  live.add(child);
  if (!hooked) {
    hooked = true;
    // By pid, synchronously: a spawner thread cannot be asked for anything while the process exits.
    process.once('exit', () => {
      for (const c of live) {
        if (c.pid === undefined) continue;
        try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    });
  }
}

export function untrack(child: Tracked): void {
  live.delete(child);
}

/** Number of plugin children this process still has running (for tests and metrics). */
export function livePluginProcesses(): number {
  return live.size;
}
