import { describe, expect, it } from 'vitest';
import { NOOP_LOGGER, REDACTED } from '@plugway/core';
import { keepRedacted, PluginActivity } from './activity.js';

describe('keepRedacted', () => {
  it('keeps the stored value where the new config has the placeholder, at any depth', () => {
    const before = { a: 's1', n: { b: 's2', list: ['s3', 'x'] }, c: 1 };
    expect(keepRedacted({ a: REDACTED, n: { b: REDACTED, list: [REDACTED, 'y'] }, c: 2, d: 'new' }, before)).toEqual({ a: 's1', n: { b: 's2', list: ['s3', 'y'] }, c: 2, d: 'new' });
    expect(keepRedacted({ fresh: REDACTED }, {})).toEqual({ fresh: REDACTED });
  });
});

describe('PluginActivity', () => {
  it('keeps redacted log lines per plugin, from fields and child bindings, bounded', () => {
    const a = new PluginActivity();
    const log = a.tee(NOOP_LOGGER);
    log.info('plugin started', { plugin: '7', pid: 1 });
    log.child({ plugin: '7', component: 'x' }).warn('token=abc123secret leaked?', { password: 'p' });
    log.info('no plugin here');
    for (let i = 0; i < 250; i++) log.debug('spam', { plugin: 8 });
    expect(a.logs(7).map((l) => [l.level, l.msg, l.fields])).toEqual([['info', 'plugin started', { pid: 1 }], ['warn', `token=${REDACTED} leaked?`, { password: REDACTED }]]);
    expect(a.logs(8)).toHaveLength(200);
    a.recordHealth(7, { state: 'running', health: 'SERVING', restarts: 0 });
    expect(a.healthHistory(7)).toEqual([expect.objectContaining({ state: 'running', health: 'SERVING' })]);
    a.forget(7);
    expect(a.logs(7)).toEqual([]);
  });
});
