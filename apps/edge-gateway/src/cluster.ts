// EDGE_WORKERS > 1: a node:cluster primary that forks the workers, re-forks one that dies, fans reloads out to all of
// them and stops them together. Each worker is a whole edge (its own PluginManager, plugin processes and studio sync).
import cluster, { type Worker } from 'node:cluster';
import { z } from 'zod';
import type { Logger } from '@plugway/core';

/** Messages between the primary and the workers (IPC). */
const clusterMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('listening'), url: z.string() }),
  z.object({ type: z.literal('reload') }),       // primary → worker: reload now
  z.object({ type: z.literal('reload-all') }),   // worker → primary: /admin/reload came in here; reload the others too
]);
export type ClusterMessage = z.infer<typeof clusterMessageSchema>;

export function parseClusterMessage(m: unknown): ClusterMessage | undefined {
  const r = clusterMessageSchema.safeParse(m);
  return r.success ? r.data : undefined;
}

/**
 * Runs the primary: forks `workers` processes that share the listening socket (node:cluster hands accepted connections
 * to the workers round-robin), logs "edge gateway listening" once all are up, forwards SIGHUP as a reload to every
 * worker, re-forks a worker that exits unexpectedly, and on SIGTERM/SIGINT stops all workers, then exits.
 */
export function runPrimary(workers: number, logger: Logger): void {
  let stopping = false;
  let up = 0;
  const listening = new WeakSet<Worker>();
  const fork = (): Worker => {
    const w = cluster.fork();
    w.on('message', (raw: unknown) => {
      const m = parseClusterMessage(raw);
      if (!m) return;
      if (m.type === 'listening') {
        listening.add(w);
        if (++up === workers) logger.info('edge gateway listening', { url: m.url, workers });
      }
      // A reload through one worker's admin endpoint reaches the others too.
      if (m.type === 'reload-all') for (const other of Object.values(cluster.workers ?? {})) if (other && other !== w) other.send({ type: 'reload' } satisfies ClusterMessage);
    });
    return w;
  };
  for (let i = 0; i < workers; i++) fork();
  let exitCode = 0;
  cluster.on('exit', (w, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
      return;
    }
    if (!listening.has(w)) {
      // It never came up (bad configuration, port taken): the others would fail alike, so stop instead of looping.
      logger.error('edge worker failed to start; stopping', { worker: w.id, code, signal });
      stop('worker-failed', 1);
      return;
    }
    logger.error('edge worker exited; starting a new one', { worker: w.id, code, signal });
    setTimeout(fork, 500).unref();
  });
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading plugins in every worker');
    for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: 'reload' } satisfies ClusterMessage);
  });
  function stop(sig: string, code = 0): void {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info('stopping workers', { signal: sig });
    const all = Object.values(cluster.workers ?? {});
    if (all.length === 0) process.exit(code);
    for (const w of all) w?.process.kill('SIGTERM');
    setTimeout(() => { for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL'); process.exit(1); }, 15_000).unref();
  }
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
