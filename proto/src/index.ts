// This is the public API of @plugway/proto: the generated ts-proto code, one namespace per proto file, the go-plugin handshake constants and gRPC framing
// (the files share the protobuf package `plugin`, so flat re-exports would clash). Regenerate: `npm run proto`.
export * as pluginpb from './__generated__/plugin/plugin.js';
export * as configproviderpb from './__generated__/config_provider/config_provider.js';
export * as gopluginpb from './__generated__/plugin/goplugin.js';
export * as healthpb from './__generated__/grpc/health/v1/health.js';
export { encodeGrpcFrame } from './grpc-frame.js';
export type { GrpcFrameCodec } from './grpc-frame.js';
export { GO_PLUGIN_HANDSHAKE, GO_PLUGIN_LEGACY_COOKIE, GO_PLUGIN_CORE_PROTOCOL_VERSION, GO_PLUGIN_HEALTH_SERVICE, GO_PLUGIN_NAMES } from './go-plugin.js';
