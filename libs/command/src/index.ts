// This is the public API of @plugway/command; adding an export is a semver decision.
export { parseCommand, MAX_COMMAND_LENGTH } from './parse-command.js';
export { parseOciReference, formatOciReference, DEFAULT_REGISTRY, MAX_NAME_LENGTH } from './oci-reference.js';
export { OCI_OPTION_NAMES } from './oci-command.js';
export { commandToString } from './command-to-string.js';
export { looksNumeric, parseIpv4Loose, formatIpv4 } from './ipv4.js';
export { pluginCommandSchema } from './schema.js';
export { CommandError, COMMAND_ERROR_CODES } from './error.js';
export type { CommandErrorCode } from './error.js';
export type { PluginCommand, FileCommand, GrpcCommand, OciCommand, OciReference, OciCommandOptions } from './command.types.js';
