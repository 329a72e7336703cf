import { isPlugwayError, PlugwayError } from '@plugway/core';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { COMMAND_ERROR_CODES, CommandError } from './index.js';

describe('@plugway/command public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "COMMAND_ERROR_CODES",
        "CommandError",
        "DEFAULT_REGISTRY",
        "MAX_COMMAND_LENGTH",
        "MAX_NAME_LENGTH",
        "OCI_OPTION_NAMES",
        "commandToString",
        "formatIpv4",
        "formatOciReference",
        "looksNumeric",
        "parseCommand",
        "parseIpv4Loose",
        "parseOciReference",
        "pluginCommandSchema",
      ]
    `);
  });

  it('keeps the error codes append-only (this list may only grow at the end)', () => {
    expect(COMMAND_ERROR_CODES).toMatchInlineSnapshot(`
      [
        "COMMAND_NOT_A_STRING",
        "COMMAND_EMPTY",
        "COMMAND_TOO_LONG",
        "COMMAND_INVALID_CHARACTER",
        "COMMAND_MISSING_SCHEME",
        "COMMAND_UNKNOWN_SCHEME",
        "COMMAND_MALFORMED",
        "COMMAND_UNEXPECTED_USERINFO",
        "COMMAND_UNEXPECTED_QUERY",
        "COMMAND_UNEXPECTED_FRAGMENT",
        "COMMAND_MISSING_PATH",
        "COMMAND_RELATIVE_PATH",
        "COMMAND_INVALID_PATH",
        "COMMAND_MISSING_HOST",
        "COMMAND_INVALID_HOST",
        "COMMAND_MISSING_PORT",
        "COMMAND_INVALID_PORT",
        "COMMAND_UNEXPECTED_PATH",
        "COMMAND_INVALID_REFERENCE",
        "COMMAND_INVALID_REGISTRY",
        "COMMAND_INVALID_REPOSITORY",
        "COMMAND_INVALID_TAG",
        "COMMAND_INVALID_DIGEST",
        "COMMAND_UNSUPPORTED_DIGEST",
        "COMMAND_UNKNOWN_OPTION",
        "COMMAND_DUPLICATE_OPTION",
        "COMMAND_INVALID_OPTION",
      ]
    `);
  });
});

// One input per code: every code is reachable, and every error honours the PlugwayError contract.
const SCENARIOS: Record<(typeof COMMAND_ERROR_CODES)[number], unknown> = {
  COMMAND_NOT_A_STRING: 7,
  COMMAND_EMPTY: ' ',
  COMMAND_TOO_LONG: 'x'.repeat(api.MAX_COMMAND_LENGTH + 1),
  COMMAND_INVALID_CHARACTER: 'file:///a b',
  COMMAND_MISSING_SCHEME: '/usr/bin/x',
  COMMAND_UNKNOWN_SCHEME: 'http://x:1',
  COMMAND_MALFORMED: 'file:/x',
  COMMAND_UNEXPECTED_USERINFO: 'grpc://u:p@h:1',
  COMMAND_UNEXPECTED_QUERY: 'grpc://h:1?a=b',
  COMMAND_UNEXPECTED_FRAGMENT: 'file:///x#y',
  COMMAND_MISSING_PATH: 'file://',
  COMMAND_RELATIVE_PATH: 'file://./x',
  COMMAND_INVALID_PATH: 'file:///a%00',
  COMMAND_MISSING_HOST: 'grpc://:1',
  COMMAND_INVALID_HOST: 'grpc://a..b:1',
  COMMAND_MISSING_PORT: 'grpc://h',
  COMMAND_INVALID_PORT: 'grpc://h:0',
  COMMAND_UNEXPECTED_PATH: 'grpc://h:1/x',
  COMMAND_INVALID_REFERENCE: 'oci://',
  COMMAND_INVALID_REGISTRY: 'oci://r.io:0/a',
  COMMAND_INVALID_REPOSITORY: 'oci://r.io/A',
  COMMAND_INVALID_TAG: 'oci://r.io/a:',
  COMMAND_INVALID_DIGEST: 'oci://r.io/a@sha256:1',
  COMMAND_UNSUPPORTED_DIGEST: 'oci://r.io/a@md5:abcd',
  COMMAND_UNKNOWN_OPTION: 'oci://r.io/a?x=1',
  COMMAND_DUPLICATE_OPTION: 'oci://r.io/a?arch=amd64&arch=arm64',
  COMMAND_INVALID_OPTION: 'oci://r.io/a?arch=',
};

describe('CommandError contract', () => {
  it.each(COMMAND_ERROR_CODES.map((c) => [c]))('%s is thrown as a CommandError with name, code, prefix and message', (code) => {
    let err: unknown;
    try {
      api.parseCommand(SCENARIOS[code] as string);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toBeInstanceOf(PlugwayError);
    expect(isPlugwayError(err)).toBe(true);
    const e = err as CommandError;
    expect(e.name).toBe('CommandError');
    expect(e.code).toBe(code);
    expect(e.code.startsWith('COMMAND_')).toBe(true);
    expect(e.message.length).toBeGreaterThan(10);
    expect(() => JSON.stringify(e)).not.toThrow();
  });
});
