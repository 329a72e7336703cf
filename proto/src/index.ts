// This is the public API of @plugway/proto: the generated ts-proto code, one namespace per proto file
// (the files share the protobuf package `plugin`, so flat re-exports would clash). Regenerate: `npm run proto`.
export * as pluginpb from './__generated__/plugin/plugin.js';
export * as gopluginpb from './__generated__/plugin/goplugin.js';
export * as healthpb from './__generated__/grpc/health/v1/health.js';
