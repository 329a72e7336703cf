import { describe, expect, it } from 'vitest';
import { pluginCommandSchema } from './schema.js';

describe('pluginCommandSchema', () => {
  it('transforms a valid command into a PluginCommand', () => {
    expect(pluginCommandSchema.parse('grpc://h:1')).toEqual({ scheme: 'grpc', raw: 'grpc://h:1', host: 'h', port: 1, hostKind: 'name' });
  });
  it('reports the CommandError code and message in the issue', () => {
    const r = pluginCommandSchema.safeParse('file://./x');
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([
      expect.objectContaining({ code: 'custom', params: { code: 'COMMAND_RELATIVE_PATH' }, message: expect.stringContaining('Relative paths') }),
    ]);
  });
  it('rejects non-strings with zod’s own type issue', () => {
    const r = pluginCommandSchema.safeParse(42);
    expect(r.error?.issues[0]?.code).toBe('invalid_type');
  });
});
