import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@plugway/plugin-sdk', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['SDK_DEFAULT_HANDSHAKE', 'SdkError', 'createPluginLogger', 'hclogTimestamp', 'parsePluginConfig', 'pluginServiceImpl', 'servePlugin']);
  });

  it('uses the same handshake as the plugin host and AI Studio', () => {
    expect(api.SDK_DEFAULT_HANDSHAKE).toEqual({ magicCookieKey: 'AI_STUDIO_PLUGIN', magicCookieValue: 'v1', appProtocolVersion: 1 });
  });
});
