// This is the public API of @plugway/cli; adding an export is a semver decision.
export {};
