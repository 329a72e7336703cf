// The go-plugin handshake values of the AI Studio / microgateway plugin contract. Both sides of the wire read them
// from here: @plugway/plugin-host (launching plugins) and @plugway/plugin-sdk (serving one).

/** go-plugin `HandshakeConfig` of AI Studio / microgateway plugins: the magic cookie and the app protocol version. */
export const GO_PLUGIN_HANDSHAKE = Object.freeze({ magicCookieKey: 'MICROGATEWAY_PLUGIN', magicCookieValue: 'v1', appProtocolVersion: 1 });

/** go-plugin's core protocol version, the first field of the stdout handshake line. */
export const GO_PLUGIN_CORE_PROTOCOL_VERSION = 1;

/** The grpc.health.v1 service name go-plugin checks on a plugin (go-plugin's `GRPCServiceName`). */
export const GO_PLUGIN_HEALTH_SERVICE = 'plugin';
