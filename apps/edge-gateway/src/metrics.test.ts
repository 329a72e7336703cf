import { createPluginManager } from '@plugway/runtime';
import { describe, expect, it } from 'vitest';
import { createEdgeMetrics } from './metrics.js';

describe('edge metrics', () => {
  it('exports the default Node metrics under their standard names (no edge_ prefix)', async () => {
    const manager = createPluginManager({}, { hostEnv: {} });
    const text = await createEdgeMetrics(manager).registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes /m);
    expect(text).not.toMatch(/^edge_(process|nodejs)_/m);
    await manager.close();
  });
  it('stays bounded whatever methods clients send (no path labels; unusual methods are OTHER)', async () => {
    const manager = createPluginManager({}, { hostEnv: {} });
    const m = createEdgeMetrics(manager, { defaultMetrics: false });
    const methods = ['GET', 'POST', 'PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'LINK'];
    for (let i = 0; i < 10_000; i++) m.observeRequest(methods[i % methods.length]!, 200 + (i % 3), 0.001);
    const series = (await m.registry.metrics()).split('\n').filter((l) => l.startsWith('edge_http_requests_total{'));
    expect(series.length).toBe(3 * 3); // GET, POST, OTHER × three statuses
    expect(series.join('\n')).toContain('method="OTHER"');
    await manager.close();
  });
});
