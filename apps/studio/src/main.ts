// This is the public API of @plugway/studio; adding an export is a semver decision.
export {};
