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
});
