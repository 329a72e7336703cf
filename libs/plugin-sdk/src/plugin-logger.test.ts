import { describe, expect, it } from 'vitest';
import { createPluginLogger, hclogTimestamp } from './index.js';

describe('createPluginLogger', () => {
  it('writes hclog JSON lines that go-plugin hosts parse (six fractional digits in @timestamp)', () => {
    const lines: string[] = [];
    const log = createPluginLogger({ name: 'demo', write: (l) => lines.push(l) }).child({ req: 'r1' });
    log.info('hello', { n: 1, err: new Error('why') });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ '@level': 'info', '@message': 'hello', '@module': 'demo', req: 'r1', n: 1, err: 'why' });
    expect(rec['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(lines[0]!.endsWith('\n')).toBe(true);
  });

  it('does not throw on unserialisable fields', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createPluginLogger({ write: (l) => lines.push(l), level: 'debug' }).debug('x', { cyclic });
    expect(JSON.parse(lines[0]!)).toMatchObject({ '@message': 'x', fields: 'unserialisable' });
  });

  it('formats hclog timestamps', () => {
    expect(hclogTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67)))).toBe('2026-01-02T03:04:05.067000Z');
  });
});
