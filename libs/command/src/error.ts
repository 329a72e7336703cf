import { PlugwayError } from '@plugway/core';

/**
 * Every code @plugway/command throws, in the order they were introduced.
 * Append-only: never rename, reorder or remove a code (consumers switch on them).
 */
export const COMMAND_ERROR_CODES = [
  'COMMAND_NOT_A_STRING',
  'COMMAND_EMPTY',
  'COMMAND_TOO_LONG',
  'COMMAND_INVALID_CHARACTER',
  'COMMAND_MISSING_SCHEME',
  'COMMAND_UNKNOWN_SCHEME',
  'COMMAND_MALFORMED',
  'COMMAND_UNEXPECTED_USERINFO',
  'COMMAND_UNEXPECTED_QUERY',
  'COMMAND_UNEXPECTED_FRAGMENT',
  'COMMAND_MISSING_PATH',
  'COMMAND_RELATIVE_PATH',
  'COMMAND_INVALID_PATH',
  'COMMAND_MISSING_HOST',
  'COMMAND_INVALID_HOST',
  'COMMAND_MISSING_PORT',
  'COMMAND_INVALID_PORT',
  'COMMAND_UNEXPECTED_PATH',
  'COMMAND_INVALID_REFERENCE',
  'COMMAND_INVALID_REGISTRY',
  'COMMAND_INVALID_REPOSITORY',
  'COMMAND_INVALID_TAG',
  'COMMAND_INVALID_DIGEST',
  'COMMAND_UNSUPPORTED_DIGEST',
  'COMMAND_UNKNOWN_OPTION',
  'COMMAND_DUPLICATE_OPTION',
  'COMMAND_INVALID_OPTION',
] as const;

/** Every code @plugway/command throws. */
export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];

/**
 * The only error class @plugway/command throws. `message` says what was wrong and what to write instead;
 * `details` hold only non-secret facts (never userinfo, never option values that could be credentials).
 */
export class CommandError extends PlugwayError<CommandErrorCode> {}

/** Shorthand used by the parsers. */
export function fail(code: CommandErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new CommandError(details === undefined ? { code, message } : { code, message, details });
}

/** Quote a fragment of user input for a message: JSON-quoted and cut to 80 characters. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}
