import { describe, expect, it } from 'vitest';
import { buildChildEnv, DEFAULT_HANDSHAKE, parseHandshakeLine, PluginHostError, forwardPluginLog } from './index.js';
import type { Logger } from '@plugway/core';

describe('parseHandshakeLine', () => {
  it.each([
    ['1|1|unix|/tmp/p.sock|grpc', { network: 'unix', address: '/tmp/p.sock' }],
    ['1|1|tcp|127.0.0.1:1234|grpc\n', { network: 'tcp', address: '127.0.0.1:1234' }],
    ['1|2|tcp|[::1]:99|grpc|MIIBcert', { network: 'tcp', address: '[::1]:99', serverCert: 'MIIBcert', appVersion: 2 }],
  ])('accepts %s', (line, expected) => {
    expect(parseHandshakeLine(line, [1, 2])).toMatchObject(expected);
  });
  it.each([
    ['hello world', 'PLUGIN_HANDSHAKE_FAILED'],
    ['2|1|unix|/tmp/p|grpc', 'PLUGIN_PROTOCOL_UNSUPPORTED'],
    ['1|9|unix|/tmp/p|grpc', 'PLUGIN_PROTOCOL_UNSUPPORTED'],
    ['1|1|udp|/tmp/p|grpc', 'PLUGIN_HANDSHAKE_FAILED'],
    ['1|1|unix||grpc', 'PLUGIN_HANDSHAKE_FAILED'],
    ['1|1|unix|relative.sock|grpc', 'PLUGIN_HANDSHAKE_FAILED'],
    ['1|1|tcp|example.com:80|grpc', 'PLUGIN_HANDSHAKE_FAILED'],
    ['1|1|tcp|127.0.0.1:1|netrpc', 'PLUGIN_PROTOCOL_UNSUPPORTED'],
    ['1|1|tcp|127.0.0.1:1', 'PLUGIN_PROTOCOL_UNSUPPORTED'],
  ])('rejects %s with %s', (line, code) => {
    expect(() => parseHandshakeLine(line, [1])).toThrow(PluginHostError);
    try { parseHandshakeLine(line, [1]); } catch (e) { expect((e as PluginHostError).code).toBe(code); }
  });
});

describe('buildChildEnv', () => {
  it('passes the handshake and basics but never the host secrets', () => {
    const env = buildChildEnv({
      handshake: DEFAULT_HANDSHAKE,
      hostEnv: { PATH: '/bin', HOME: '/root', OCI_PLUGINS_REGISTRY_GHCR_IO_PASSWORD: 's3cret', STUDIO_API_TOKEN: 'tok' },
      pluginEnv: { PLUGIN_OWN: 'x' },
    });
    expect(env).toEqual({
      PATH: '/bin', HOME: '/root', PLUGIN_OWN: 'x', AI_STUDIO_PLUGIN: 'v1', MICROGATEWAY_PLUGIN: 'v1',
      PLUGIN_PROTOCOL_VERSIONS: '1', PLUGIN_MIN_PORT: '10000', PLUGIN_MAX_PORT: '25000',
    });
  });
  it('sets only a plugin\'s own cookie when its handshake is overridden', () => {
    const env = buildChildEnv({ handshake: { magicCookieKey: 'MY_PLUGIN', magicCookieValue: 'v7', appProtocolVersions: [2, 3] }, hostEnv: {} });
    expect(env).toEqual({ MY_PLUGIN: 'v7', PLUGIN_PROTOCOL_VERSIONS: '2,3', PLUGIN_MIN_PORT: '10000', PLUGIN_MAX_PORT: '25000' });
  });
});

describe('forwardPluginLog', () => {
  it('keeps hclog levels and fields, and logs text lines at info', () => {
    const seen: Array<[string, string, unknown]> = [];
    const rec = (lvl: string) => (msg: string, f?: unknown) => { seen.push([lvl, msg, f]); };
    const logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => logger } as Logger;
    forwardPluginLog(logger, 'stderr', '{"@level":"warn","@message":"careful","@timestamp":"t","k":1}');
    forwardPluginLog(logger, 'stderr', '{"@level":"trace","@message":"fine"}');
    forwardPluginLog(logger, 'stderr', '{not json');
    forwardPluginLog(logger, 'stdout', '   ');
    expect(seen).toEqual([
      ['warn', 'careful', { stream: 'stderr', k: 1 }],
      ['debug', 'fine', { stream: 'stderr' }],
      ['info', '{not json', { stream: 'stderr' }],
    ]);
  });
});
