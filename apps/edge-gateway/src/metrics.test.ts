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
  it('exports the request and hook histograms as prom-client would (cumulative buckets, +Inf, sum, count)', async () => {
    const manager = createPluginManager({}, { hostEnv: {} });
    const m = createEdgeMetrics(manager, { defaultMetrics: false });
    for (const s of [0.0004, 0.003, 0.2, 7]) m.observeRequest('GET', 200, s);
    m.observeHook('p1', 'processPreAuth', 'ok', 0.002);
    m.observeHook('p2', 'processPreAuth', 'failed', 0.02);
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE edge_http_request_duration_seconds histogram');
    expect(text).toContain('edge_http_request_duration_seconds_bucket{method="GET",status="200",le="0.001"} 1');
    expect(text).toContain('edge_http_request_duration_seconds_bucket{method="GET",status="200",le="0.005"} 2');
    expect(text).toContain('edge_http_request_duration_seconds_bucket{method="GET",status="200",le="5"} 3');
    expect(text).toContain('edge_http_request_duration_seconds_bucket{method="GET",status="200",le="+Inf"} 4');
    expect(text).toMatch(/^edge_http_request_duration_seconds_sum\{method="GET",status="200"\} 7\.2034/m);
    expect(text).toContain('edge_http_request_duration_seconds_count{method="GET",status="200"} 4');
    expect(text).toContain('edge_plugin_hook_duration_seconds_bucket{hook="processPreAuth",le="0.0025"} 1');
    expect(text).toContain('edge_plugin_hook_duration_seconds_count{hook="processPreAuth"} 2');
    expect(text).toContain('edge_plugin_hook_calls_total{plugin="p2",hook="processPreAuth",outcome="failed"} 1');
    await manager.close();
  });
});
