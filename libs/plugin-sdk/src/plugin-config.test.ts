import { describe, expect, it } from 'vitest';
import { parsePluginConfig, SdkError } from './index.js';

describe('parsePluginConfig', () => {
  it.each([
    [{ config: {}, configJson: '' }, {}],
    [{ config: { a: '1' }, configJson: '' }, { a: '1' }],
    [{ config: { a: '1' }, configJson: '{"b":[1]}' }, { a: '1', b: [1] }],
    [{ config: { a: '1' }, configJson: '{"a":"2"}' }, { a: '2' }],
    [{ config: {}, configJson: '   ' }, {}],
  ])('merges %j', (req, want) => {
    expect(parsePluginConfig(req)).toEqual(want);
  });

  describe('when config_json is not a JSON object', () => {
    it.each(['{', '[1]', 'null', '"s"', '3'])('throws SDK_CONFIG_INVALID for %s', (configJson) => {
      const err = (() => { try { parsePluginConfig({ config: {}, configJson }); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe('SDK_CONFIG_INVALID');
    });
  });
});
