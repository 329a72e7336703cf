// This is the public API of @plugway/plugin-host; adding an export is a semver decision.
export {};
