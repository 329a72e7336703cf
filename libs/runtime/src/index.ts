// This is the public API of @plugway/runtime; adding an export is a semver decision.
export {};
