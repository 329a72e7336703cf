import { describe, expect, it } from 'vitest';
import { isPlugwayError } from '@plugway/core';
import * as api from './index.js';

describe('@plugway/security-policy public surface', () => {
  it('exports exactly these runtime names', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_PLUGIN_DIRS",
        "PolicyError",
        "classifyIp",
        "createPolicy",
        "evaluateCommand",
        "evaluateRegistryConnection",
        "formatIp",
        "parseCidr",
        "parseIp",
        "parseIpv4Loose",
        "policyOptionsFromEnv",
        "policyOptionsSchema",
      ]
    `);
  });
  it.each([['POLICY_INVALID_CONFIG'], ['POLICY_ABORTED'], ['POLICY_INVALID_COMMAND']] as const)('PolicyError %s keeps its name, code and prefix', (code) => {
    const e = new api.PolicyError({ code, message: 'm', details: { a: 1 } });
    expect(e).toBeInstanceOf(Error);
    expect(isPlugwayError(e)).toBe(true);
    expect(e.name).toBe('PolicyError');
    expect(e.code).toBe(code);
    expect(e.code.startsWith('POLICY_')).toBe(true);
  });
});
