import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@plugway/config public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['ConfigError', 'DEFAULT_EDGE_CACHE_DIR', 'LOG_LEVELS', 'MIN_API_TOKEN_LENGTH', 'describeConfigError', 'describeSettings', 'loadEdgeSettings', 'loadStudioSettings', 'parseDatabaseUrl']);
  });
  it('ConfigError carries the CONFIG_ prefix and the plugway brand', () => {
    const e = new api.ConfigError({ code: 'CONFIG_INVALID', message: 'x', details: { issues: [] } });
    expect(e.name).toBe('ConfigError');
    expect(e.code.startsWith('CONFIG_')).toBe(true);
  });
});
