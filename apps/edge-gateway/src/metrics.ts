import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PluginManager } from '@plugway/runtime';

export interface EdgeMetrics {
  registry: Registry;
  requests: Counter<'method' | 'status'>;
  duration: Histogram<'method' | 'status'>;
  hookCalls: Counter<'plugin' | 'hook' | 'outcome'>;
  hookDuration: Histogram<'hook'>;
  syncs: Counter<'source' | 'result'>;
  /** One proxied request (hot path: the labelled children are looked up once per method and status). */
  observeRequest(method: string, status: number, seconds: number): void;
  /** One hook call (hot path, as above). */
  observeHook(plugin: string, hook: string, outcome: string, seconds: number | undefined): void;
}

/** A private prom-client registry for one gateway: traffic, hook calls by outcome, sync results, plugin states. */
export function createEdgeMetrics(manager: PluginManager, opts: { defaultMetrics?: boolean } = {}): EdgeMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry }); // standard names (process_*, nodejs_*)
  const counts = new Map<string, { labels: { method: string; status: string }; n: number }>();
  const requests = new Counter({
    name: 'edge_http_requests_total', help: 'Proxied requests by final status', labelNames: ['method', 'status'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const c of counts.values()) this.inc(c.labels, c.n);
    },
  });
  const duration = new Histogram({ name: 'edge_http_request_duration_seconds', help: 'Proxied request duration', labelNames: ['method', 'status'] as const, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] });
  const hookCounts = new Map<string, { labels: { plugin: string; hook: string; outcome: string }; n: number }>();
  const hookCalls = new Counter({
    name: 'edge_plugin_hook_calls_total', help: 'Plugin hook calls by outcome (ok, failed, timeout)', labelNames: ['plugin', 'hook', 'outcome'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const c of hookCounts.values()) this.inc(c.labels, c.n);
    },
  });
  const hookDuration = new Histogram({ name: 'edge_plugin_hook_duration_seconds', help: 'Plugin hook call duration', labelNames: ['hook'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 1], registers: [registry] });
  const syncs = new Counter({ name: 'edge_plugin_syncs_total', help: 'Plugin set syncs (file, studio) by result', labelNames: ['source', 'result'] as const, registers: [registry] });
  new Gauge({
    name: 'edge_plugin_state', help: 'Registered plugins by runtime state', labelNames: ['state'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const p of manager.list()) this.inc({ state: p.state });
    },
  });
  // Counts live in plain maps on the hot path and reach prom-client when scraped (it hashes labels on every inc); the
  // histogram children are looked up once per label set. The request cache is capped since clients pick methods.
  const reqChildren = new Map<string, { count: { n: number }; time: { observe(v: number): void } }>();
  const hookChildren = new Map<string, { count: { n: number }; time: { observe(v: number): void } }>();
  return {
    registry, requests, duration, hookCalls, hookDuration, syncs,
    observeRequest(method, status, seconds) {
      const key = `${method} ${status}`;
      let c = reqChildren.get(key);
      if (!c) {
        const labels = { method, status: String(status) };
        const count = counts.get(key) ?? { labels, n: 0 };
        counts.set(key, count);
        c = { count, time: duration.labels(labels) };
        if (reqChildren.size < 1024) reqChildren.set(key, c);
      }
      c.count.n++;
      c.time.observe(seconds);
    },
    observeHook(plugin, hook, outcome, seconds) {
      const key = `${plugin}\n${hook}\n${outcome}`;
      let c = hookChildren.get(key);
      if (!c) {
        const count = { labels: { plugin, hook, outcome }, n: 0 };
        hookCounts.set(key, count);
        hookChildren.set(key, c = { count, time: hookDuration.labels({ hook }) });
      }
      c.count.n++;
      if (seconds !== undefined) c.time.observe(seconds);
    },
  };
}
