// This is the public API of @plugway/edge-gateway; adding an export is a semver decision.
export {};
