// This is the public API of @plugway/oci; adding an export is a semver decision.
export {};
