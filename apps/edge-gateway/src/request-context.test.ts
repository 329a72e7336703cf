import { describe, expect, it } from 'vitest';
import { applyContextUpdates, applyIdentity, newRequestContext, traceContextOf } from './request-context.js';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceContextOf', () => {
  it.each([
    [{ traceparent: PARENT }, { traceparent: PARENT }],
    [{ traceparent: ` ${PARENT.toUpperCase()} `, tracestate: 'a=1,b=2' }, { traceparent: PARENT, tracestate: 'a=1,b=2' }],
    [{ traceparent: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, {}],
    [{ traceparent: '00-short-00f067aa0ba902b7-01' }, {}],
    [{ tracestate: 'a=1' }, {}],
    [{}, {}],
  ])('%j → %j', (headers, want) => {
    expect(traceContextOf(headers)).toEqual(want);
  });
});

describe('the request context', () => {
  it('starts from the request id, the upstream LLM and the trace headers; merges context_updates; carries numeric ids', () => {
    const ctx = newRequestContext('r1', { traceparent: PARENT }, { id: 9, slug: 'claude', vendor: 'anthropic' });
    expect(ctx).toEqual({ requestId: 'r1', vendor: 'anthropic', llmId: 9, llmSlug: 'claude', appId: 0, userId: 0, metadata: {}, traceContext: { traceparent: PARENT } });
    applyContextUpdates(ctx, { a: '1', b: '2' });
    applyContextUpdates(ctx, { b: '3' });
    applyContextUpdates(ctx, undefined);
    expect(ctx.metadata).toEqual({ a: '1', b: '3' });
    applyIdentity(ctx, '17', 'app-x');
    expect([ctx.userId, ctx.appId]).toEqual([17, 0]);
    applyIdentity(ctx, '4294967296', '4294967295');
    expect([ctx.userId, ctx.appId]).toEqual([0, 4294967295]);
    expect(newRequestContext('r2', {}, undefined)).toMatchObject({ vendor: '', llmId: 0, llmSlug: '', traceContext: {} });
  });
});
