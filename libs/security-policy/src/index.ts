// This is the public API of @plugway/security-policy; adding an export is a semver decision.
export {};
