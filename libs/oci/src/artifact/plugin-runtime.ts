// The plugin artifact's config blob (MEDIA_TYPE_PLUGIN_CONFIG): which runtime the layer needs. A plain executable
// has the OCI empty config instead; a packaged script (`plugway package`) names the runtime the host must provide.
import { OciError } from '../error.js';

/** A runtime the host launches the plugin file with, e.g. `{ name: 'node', minVersion: '20.19.0' }`. */
export interface PluginRuntime {
  name: string;
  minVersion?: string;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const VERSION = /^\d{1,4}\.\d{1,4}\.\d{1,4}$/;

/** The config blob's bytes for a runtime (key order fixed, so the same runtime gives the same digest). */
export function encodePluginConfig(runtime: PluginRuntime): Buffer {
  return Buffer.from(JSON.stringify({ runtime: { name: runtime.name, ...(runtime.minVersion ? { minVersion: runtime.minVersion } : {}) } }));
}

/**
 * Reads a plugin config blob.
 * @throws OciError OCI_INVALID_ARTIFACT when it is not `{ runtime: { name, minVersion? } }`
 */
export function decodePluginConfig(bytes: Uint8Array, reference: string): PluginRuntime {
  const bad = (why: string): OciError => new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `${reference}: the plugin config ${why}`, details: { reference } });
  let json: unknown;
  try { json = JSON.parse(Buffer.from(bytes).toString('utf8')); } catch { throw bad('is not JSON'); }
  const rt: unknown = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['runtime'] : undefined;
  if (typeof rt !== 'object' || rt === null) throw bad('has no "runtime" object');
  const { name, minVersion } = rt as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) throw bad('has no valid runtime name');
  if (minVersion !== undefined && (typeof minVersion !== 'string' || !VERSION.test(minVersion))) throw bad('has an invalid runtime minVersion (want MAJOR.MINOR.PATCH)');
  return { name, ...(minVersion !== undefined ? { minVersion } : {}) };
}
