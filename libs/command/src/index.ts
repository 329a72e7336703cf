// This is the public API of @plugway/command; adding an export is a semver decision.
export {};
