// This is the public API of @plugway/plugin-sdk; adding an export is a semver decision.
export {};
