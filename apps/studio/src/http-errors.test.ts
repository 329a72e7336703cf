import { describe, expect, it } from 'vitest';
import { CommandError } from '@plugway/command';
import { RuntimeError } from '@plugway/runtime';
import { HTTP_STATUS, statusOf, toApiError } from './http-errors.js';
import { StudioError } from './errors.js';

describe('toApiError', () => {
  it.each([
    [new RuntimeError({ code: 'RUNTIME_POLICY_DENIED', message: 'no', details: { violations: [] } }), 403, 'POLICY_DENIED'],
    [new RuntimeError({ code: 'RUNTIME_OCI_DISABLED', message: 'off' }), 422, 'OCI_DISABLED'],
    [new RuntimeError({ code: 'RUNTIME_PLUGIN_NOT_FOUND', message: 'x' }), 404, 'NOT_FOUND'],
    [new RuntimeError({ code: 'RUNTIME_COMMAND_INVALID', message: 'rel', details: { causeCode: 'COMMAND_RELATIVE_PATH' } }), 400, 'COMMAND_RELATIVE_PATH'],
    [new CommandError({ code: 'COMMAND_UNKNOWN_SCHEME', message: 'x' } as never), 400, 'COMMAND_UNKNOWN_SCHEME'],
    [new StudioError({ code: 'STUDIO_SLUG_TAKEN', message: 'x' }), 409, 'SLUG_TAKEN'],
    [new StudioError({ code: 'STUDIO_VALIDATION_FAILED', message: 'x' }), 400, 'VALIDATION_FAILED'],
    [Object.assign(new Error('bad json'), { type: 'entity.parse.failed', status: 400 }), 400, 'BODY_INVALID_JSON'],
    [Object.assign(new Error('big'), { type: 'entity.too.large', status: 413 }), 413, 'BODY_TOO_LARGE'],
  ])('%s → %i %s', (err, status, code) => {
    const e = toApiError(err);
    expect(e.status).toBe(status);
    expect(e.body.error.code).toBe(code);
  });
  it('unknown errors are a bare 500 INTERNAL that leaks nothing', () => {
    const e = toApiError(new Error('db password=hunter2 at /secret/path'));
    expect(e).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
    const r = toApiError(new RuntimeError({ code: 'RUNTIME_LAUNCH_FAILED', message: 'x' }));
    expect(r.body.error.code).toBe('INTERNAL');
    expect(toApiError(new RuntimeError({ code: 'RUNTIME_CLOSED', message: 'closed' })).status).toBe(503);
  });
  it('every listed code has a 4xx/5xx status', () => {
    for (const [code, s] of Object.entries(HTTP_STATUS)) expect(statusOf(code)).toBe(s);
  });
});
