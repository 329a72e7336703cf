// This is the public API of @plugway/config; adding an export is a semver decision.
export {};
