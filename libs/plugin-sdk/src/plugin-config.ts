import type { pluginpb } from '@plugway/proto';
import { SdkError } from './error.js';

/**
 * The plugin's configuration from an Initialize request: the `config` string map, overlaid with the object in
 * `config_json` when that is set (AI Studio sends the JSON form; older hosts the map).
 * @throws SdkError SDK_CONFIG_INVALID when config_json is not a JSON object (sent to the host as INVALID_ARGUMENT)
 */
export function parsePluginConfig(req: Pick<pluginpb.InitRequest, 'config' | 'configJson'>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(req.config ?? {}) };
  if (!req.configJson || !req.configJson.trim()) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.configJson);
  } catch (cause) {
    throw new SdkError({ code: 'SDK_CONFIG_INVALID', message: `config_json is not valid JSON: ${(cause as Error).message}`, cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SdkError({ code: 'SDK_CONFIG_INVALID', message: `config_json must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}` });
  }
  return Object.assign(out, parsed);
}
