// This is the public API of @plugway/registry-auth; adding an export is a semver decision.
export {};
