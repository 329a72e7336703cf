import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PluginManager } from '@plugway/runtime';
import type { PluginStore } from './store/plugin-store.js';

export interface StudioMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

/** A private prom-client registry: HTTP counters/histograms, stored plugins, plugin states. */
export function createMetrics(store: PluginStore, manager: PluginManager): StudioMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // standard names (process_*, nodejs_*) for the usual Node.js dashboards
  const requests = new Counter({ name: 'studio_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const duration = new Histogram({ name: 'studio_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'] as const, buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15], registers: [registry] });
  new Gauge({
    name: 'studio_plugins', help: 'Plugins stored in the database', registers: [registry],
    async collect() { this.set(await store.count()); },
  });
  new Gauge({
    name: 'studio_plugin_state', help: 'Registered plugins by runtime state', labelNames: ['state'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const p of manager.list()) this.inc({ state: p.state });
    },
  });
  new Gauge({
    name: 'studio_plugin_up', help: 'grpc.health.v1 of each running plugin (1 = SERVING)', labelNames: ['plugin', 'slug'] as const, registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(manager.list().filter((p) => p.state === 'running').map(async (p) => {
        const h = await manager.health(p.id).catch(() => undefined);
        this.set({ plugin: p.id, slug: p.slug }, h?.health === 'SERVING' ? 1 : 0);
      }));
    },
  });
  return { registry, requests, duration };
}
