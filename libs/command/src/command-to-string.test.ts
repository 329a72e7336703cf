import { describe, expect, it } from 'vitest';
import { commandToString } from './command-to-string.js';
import { parseCommand } from './parse-command.js';

describe('commandToString', () => {
  it.each([
    ['file:///usr/bin/plugin', 'file:///usr/bin/plugin'],
    ['file://localhost/opt/p', 'file:///opt/p'],
    ['file:///opt/my%20plugin%3Fv%231%25', 'file:///opt/my%20plugin%3Fv%231%25'],
    ['file:///opt/%E2%82%AC', 'file:///opt/%E2%82%AC'],
    ["file:///a-b_c.d~e!$&'()*+,;=:@", "file:///a-b_c.d~e!$&'()*+,;=:@"],
    ['grpc://Host.Example.:50051/', 'grpc://host.example:50051'],
    ['grpc://0x7f.1:1', 'grpc://127.0.0.1:1'],
    ['grpc://[0::1]:1', 'grpc://[::1]:1'],
    ['oci://alpine', 'oci://docker.io/library/alpine:latest'],
    ['oci://r.io/a:1?auth=x&arch=linux/arm64&pubkey=k', 'oci://r.io/a:1?pubkey=k&arch=linux/arm64&auth=x'],
    ['oci://r.io/a:1?', 'oci://r.io/a:1'],
  ])('%s → %s, which parses back to the same command', (input, expected) => {
    const cmd = parseCommand(input);
    const s = commandToString(cmd);
    expect(s).toBe(expected);
    expect({ ...parseCommand(s), raw: input }).toEqual(cmd);
  });

  it('replaces lone surrogates it cannot encode (hand-built paths only)', () => {
    expect(commandToString({ scheme: 'file', raw: '', path: '/a\ud800b' })).toBe('file:///a%EF%BF%BDb');
  });
});
