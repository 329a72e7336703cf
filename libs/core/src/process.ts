/**
 * Whether a process with this pid exists on this machine (signal 0: nothing is sent). EPERM means it does — another
 * user's; a zombie counts. The one liveness check of the OCI cache's lock breaking and the plugin sandbox's sweep.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e instanceof Error && 'code' in e && e.code === 'EPERM';
  }
}
