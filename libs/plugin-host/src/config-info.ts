// Config-only loading: a plugin's config schema and manifest read through go-plugin plugin "config"
// (config_provider.ConfigProviderService), as AI Studio's host does without running any hook; a plugin that does not
// serve that service is asked through PluginService's own GetConfigSchema / GetManifest.
import * as grpc from '@grpc/grpc-js';
import { configproviderpb, type pluginpb } from '@plugway/proto';
import { PluginHostError } from './error.js';

export interface ConfigInfo {
  /** JSON text of the plugin's config schema and manifest, as the plugin sent them. */
  schemaJson: string;
  manifestJson: string;
  /** Which service answered: `config` (config_provider) or `plugin` (PluginService, for plugins without it). */
  via: 'config' | 'plugin';
}

interface Answer { success: boolean; errorMessage: string }
type Unary<Res> = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown;

function ask<Res>(fn: Unary<Res>, self: grpc.Client, deadlineMs: number): Promise<Res> {
  return new Promise((resolve, reject) => fn.call(self, {}, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (e, r) => (e ? reject(e) : resolve(r))));
}

function checked<R extends Answer>(what: string, r: R): R {
  // AI Studio's rule: success=false is a failure, whatever the JSON field holds.
  if (!r.success) throw new PluginHostError({ code: 'PLUGIN_CONFIG_INFO_FAILED', message: `the plugin answered ${what} with success=false${r.errorMessage ? `: ${r.errorMessage}` : ''}`, details: { rpc: what } });
  return r;
}

/**
 * Reads the config schema and manifest over the plugin's channel (shared with `plugin`, the plugin's client).
 * @throws PluginHostError PLUGIN_CONFIG_INFO_FAILED (success=false, or the call failed)
 */
export async function readConfigInfo(plugin: pluginpb.PluginServiceClient, target: string, deadlineMs: number): Promise<ConfigInfo> {
  // Shares the plugin's channel; never closed here (closing a client closes its channel, i.e. the plugin's).
  const config = new configproviderpb.ConfigProviderServiceClient(target, grpc.credentials.createInsecure(), { channelOverride: plugin.getChannel() });
  try {
    const schema = checked('config.GetConfigSchema', await ask<configproviderpb.ConfigSchemaResponse>(config.getConfigSchema, config, deadlineMs));
    const manifest = checked('config.GetManifest', await ask<configproviderpb.GetManifestResponse>(config.getManifest, config, deadlineMs));
    return { schemaJson: schema.schemaJson, manifestJson: manifest.manifestJson, via: 'config' };
  } catch (e) {
    if ((e as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) throw failed(e);
  }
  try {
    const schema = checked('GetConfigSchema', await ask<pluginpb.GetConfigSchemaResponse>(plugin.getConfigSchema, plugin, deadlineMs));
    const manifest = checked('GetManifest', await ask<pluginpb.GetManifestResponse>(plugin.getManifest, plugin, deadlineMs));
    return { schemaJson: schema.schemaJson, manifestJson: manifest.manifestJson, via: 'plugin' };
  } catch (e) {
    throw failed(e);
  }
}

function failed(e: unknown): PluginHostError {
  if (e instanceof PluginHostError) return e;
  const err = e as grpc.ServiceError;
  return new PluginHostError({ code: 'PLUGIN_CONFIG_INFO_FAILED', message: `reading the plugin's config schema and manifest failed: ${err.details || err.message}`, cause: e, details: { grpcCode: err.code } });
}
