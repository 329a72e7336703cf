import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';
import type { PluginManager } from '@plugway/runtime';

export interface EdgeMetrics {
  registry: Registry;
  requests: Counter<'method' | 'status'>;
  duration: BucketHistogram<'method' | 'status'>;
  hookCalls: Counter<'plugin' | 'hook' | 'outcome'>;
  hookDuration: BucketHistogram<'hook'>;
  syncs: Counter<'source' | 'result'>;
  /** One proxied request (hot path: the labelled children are looked up once per method and status). */
  observeRequest(method: string, status: number, seconds: number): void;
  /** One hook call (hot path, as above). */
  observeHook(plugin: string, hook: string, outcome: string, seconds: number | undefined): void;
}

// Proxied traffic has no route template (every path goes upstream), so paths are never labels; unusual methods are
// one `OTHER` series, keeping /metrics bounded whatever clients send.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * A histogram for the hot path: a series is a handle whose `observe` adds to plain numbers (prom-client's Histogram
 * validates and hashes the labels on every observation); the registry reads the series when scraped. Registered as a
 * Gauge subclass, the one prom-client metric class whose export is only `get()`, which answers histogram samples.
 */
export class BucketHistogram<T extends string> extends Gauge<T> {
  private readonly all: Array<{ labels: Record<T, string>; counts: number[]; sum: number; count: number }> = [];
  // An unregistered prom-client histogram of the same name: its (empty) export is the frame the samples go into.
  private readonly frame: Histogram<T>;

  constructor(private readonly cfg: { name: string; help: string; labelNames: readonly T[]; buckets: number[]; registers: Registry[] }) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, registers: cfg.registers });
    this.frame = new Histogram({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, buckets: cfg.buckets, registers: [] });
  }

  /** The series of one label set (call once per label set and keep the handle). */
  series(labels: Record<T, string>): { observe(seconds: number): void } {
    const s = { labels, counts: this.cfg.buckets.map(() => 0), sum: 0, count: 0 };
    this.all.push(s);
    const bounds = this.cfg.buckets;
    return {
      observe(v) {
        s.sum += v;
        s.count++;
        for (let i = 0; i < bounds.length; i++) if (v <= bounds[i]!) { s.counts[i]!++; break; }
      },
    };
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const { name, buckets } = this.cfg;
    const values: Array<MetricValueWithName<string>> = [];
    for (const s of this.all) {
      let acc = 0;
      buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { ...s.labels, le }, value: acc, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` }, { labels: s.labels, value: s.sum, metricName: `${name}_sum` }, { labels: s.labels, value: s.count, metricName: `${name}_count` });
    }
    return { ...(await this.frame.get()), values };
  }
}

/** A private prom-client registry for one gateway: traffic, hook calls by outcome, sync results, plugin states. */
export function createEdgeMetrics(manager: PluginManager, opts: { defaultMetrics?: boolean } = {}): EdgeMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry }); // standard names (process_*, nodejs_*)
  const counts: Array<{ labels: { method: string; status: string }; n: number }> = [];
  const requests = new Counter({
    name: 'edge_http_requests_total', help: 'Proxied requests by final status', labelNames: ['method', 'status'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const c of counts) this.inc(c.labels, c.n);
    },
  });
  const duration = new BucketHistogram({ name: 'edge_http_request_duration_seconds', help: 'Proxied request duration', labelNames: ['method', 'status'] as const, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] });
  const hookCounts: Array<{ labels: { plugin: string; hook: string; outcome: string }; n: number }> = [];
  const hookCalls = new Counter({
    name: 'edge_plugin_hook_calls_total', help: 'Plugin hook calls by outcome (ok, failed, timeout)', labelNames: ['plugin', 'hook', 'outcome'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const c of hookCounts) this.inc(c.labels, c.n);
    },
  });
  const hookDuration = new BucketHistogram({ name: 'edge_plugin_hook_duration_seconds', help: 'Plugin hook call duration', labelNames: ['hook'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 1], registers: [registry] });
  const syncs = new Counter({ name: 'edge_plugin_syncs_total', help: 'Plugin set syncs (file, studio) by result', labelNames: ['source', 'result'] as const, registers: [registry] });
  new Gauge({
    name: 'edge_plugin_state', help: 'Registered plugins by runtime state', labelNames: ['state'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const p of manager.list()) this.inc({ state: p.state });
    },
  });
  // Counts live in plain numbers on the hot path and reach prom-client when scraped (it hashes labels on every inc).
  // Each label set's count and histogram series are made once and found again through nested maps keyed by the label
  // values as they come (no key string is built per observation). Both request labels are bounded: methods are
  // normalised (METHODS or OTHER) and a status has three digits.
  type Child = { count: { n: number }; time: { observe(v: number): void } };
  const reqChildren = new Map<string, Map<number, Child>>();
  const hookChildren = new Map<string, Map<string, Map<string, Child>>>();
  // The hook histogram is labelled by hook only: one series per hook, shared by every plugin and outcome.
  const hookSeries = new Map<string, { observe(v: number): void }>();
  const inner = <K, V>(m: Map<K, V>, k: K, make: () => V): V => { let v = m.get(k); if (v === undefined) m.set(k, v = make()); return v; };
  return {
    registry, requests, duration, hookCalls, hookDuration, syncs,
    observeRequest(rawMethod, status, seconds) {
      const method = METHODS.has(rawMethod) ? rawMethod : 'OTHER';
      const byStatus = inner(reqChildren, method, () => new Map<number, Child>());
      let c = byStatus.get(status);
      if (!c) {
        const labels = { method, status: String(status) };
        const count = { labels, n: 0 };
        counts.push(count);
        byStatus.set(status, c = { count, time: duration.series(labels) });
      }
      c.count.n++;
      c.time.observe(seconds);
    },
    observeHook(plugin, hook, outcome, seconds) {
      const byOutcome = inner(inner(hookChildren, plugin, () => new Map<string, Map<string, Child>>()), hook, () => new Map<string, Child>());
      let c = byOutcome.get(outcome);
      if (!c) {
        const count = { labels: { plugin, hook, outcome }, n: 0 };
        hookCounts.push(count);
        byOutcome.set(outcome, c = { count, time: inner(hookSeries, hook, () => hookDuration.series({ hook })) });
      }
      c.count.n++;
      if (seconds !== undefined) c.time.observe(seconds);
    },
  };
}
