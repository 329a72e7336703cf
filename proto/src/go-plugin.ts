// The go-plugin handshake values of the AI Studio plugin contract. Both sides of the wire read them from here:
// @plugway/plugin-host (launching plugins) and @plugway/plugin-sdk (serving one).

/** go-plugin `HandshakeConfig` of AI Studio plugins: the magic cookie and the app protocol version. */
export const GO_PLUGIN_HANDSHAKE = Object.freeze({ magicCookieKey: 'AI_STUDIO_PLUGIN', magicCookieValue: 'v1', appProtocolVersion: 1 });

/** The cookie AI Studio's gateway plugins checked for a while in 2025; hosts set it too so those plugins start. */
export const GO_PLUGIN_LEGACY_COOKIE = Object.freeze({ magicCookieKey: 'MICROGATEWAY_PLUGIN', magicCookieValue: 'v1' });

/** go-plugin's core protocol version, the first field of the stdout handshake line. */
export const GO_PLUGIN_CORE_PROTOCOL_VERSION = 1;

/** The grpc.health.v1 service name go-plugin checks on a plugin (go-plugin's `GRPCServiceName`). */
export const GO_PLUGIN_HEALTH_SERVICE = 'plugin';

/** Plugin names a host dispenses: the hook service, and the config-only service. */
export const GO_PLUGIN_NAMES = Object.freeze({ plugin: 'plugin.PluginService', config: 'config_provider.ConfigProviderService' });
