import type { PluginCommand } from './command.types.js';
import { fail, quote } from './error.js';
import { parseFileCommand } from './file-command.js';
import { parseGrpcCommand } from './grpc-command.js';
import { parseOciCommand } from './oci-command.js';

/** Longest command accepted, in UTF-16 code units (longer input is rejected before any parsing). */
export const MAX_COMMAND_LENGTH = 4096;

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// Control characters, any whitespace, and invisible/bidi characters that could make a command read differently.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
const BAD_CHAR_RE = /[\u0000-\u001f\u007f\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
const PARSERS = { file: parseFileCommand, grpc: parseGrpcCommand, oci: parseOciCommand } as const;
type KnownScheme = keyof typeof PARSERS;
const USAGE = 'Write file:///absolute/path, grpc://host:port or oci://registry/repository:tag.';

function isKnownScheme(s: string): s is KnownScheme {
  return Object.hasOwn(PARSERS, s);
}

/**
 * Parse a plugin command (`file://`, `grpc://` or `oci://`) into a typed {@link PluginCommand}.
 * Surrounding whitespace is ignored; `raw` keeps the input exactly as given.
 * @throws CommandError (and nothing else) for every malformed input; see the README for the codes.
 */
export function parseCommand(input: string): PluginCommand {
  if (typeof input !== 'string') {
    fail('COMMAND_NOT_A_STRING', `A plugin command must be a string, not ${input === null ? 'null' : typeof input}. ${USAGE}`);
  }
  if (input.length > MAX_COMMAND_LENGTH) {
    fail('COMMAND_TOO_LONG', `The command is ${input.length} characters long; at most ${MAX_COMMAND_LENGTH} are allowed.`, {
      length: input.length,
      max: MAX_COMMAND_LENGTH,
    });
  }
  const s = input.trim();
  if (s === '') fail('COMMAND_EMPTY', `The command is empty. ${USAGE}`);
  const bad = BAD_CHAR_RE.exec(s);
  if (bad) {
    const cp = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    fail(
      'COMMAND_INVALID_CHARACTER',
      `The command contains the character ${cp} at position ${bad.index}; control characters, whitespace and invisible ` +
        `characters are not allowed (percent-encode a space in a file path as %20).`,
      { position: bad.index, character: cp },
    );
  }
  const m = SCHEME_RE.exec(s);
  const scheme = m?.[1]!.toLowerCase();
  const afterScheme = m ? s.slice(m[0].length) : s;
  const hasSlashes = afterScheme.startsWith('//');
  if (scheme === undefined || (!hasSlashes && !isKnownScheme(scheme))) missingScheme(s);
  if (!isKnownScheme(scheme)) {
    fail('COMMAND_UNKNOWN_SCHEME', `Unknown scheme ${quote(`${scheme}://`)}. ${schemeHint(scheme)}`, { scheme });
  }
  if (!hasSlashes) {
    const example = { file: 'file:///absolute/path', grpc: 'grpc://host:port', oci: 'oci://registry/repository:tag' }[scheme];
    fail('COMMAND_MALFORMED', `${quote(`${scheme}:`)} must be followed by "//": write ${example}.`, { scheme });
  }
  return PARSERS[scheme](afterScheme.slice(2), input);
}

function schemeHint(scheme: string): string {
  if (scheme === 'http' || scheme === 'https' || scheme === 'grpcs' || scheme === 'dns' || scheme === 'unix') {
    return 'Remote plugins are reached with grpc://host:port.';
  }
  if (scheme === 'docker' || scheme === 'registry' || scheme === 'ghcr') {
    return 'Registry plugins are written oci://registry/repository:tag.';
  }
  return `Supported schemes are file://, grpc:// and oci://. ${USAGE}`;
}

// A command without a scheme: guess what was meant and say how to write it. Input with "@" is never echoed
// because it may hold userinfo (user:password@host).
function missingScheme(s: string): never {
  const echo = !s.includes('@');
  let hint: string;
  if (s.startsWith('/')) {
    hint = `A local plugin needs the file:// scheme: write ${echo ? quote(`file://${s}`) : 'file:///absolute/path'}.`;
  } else if (s.startsWith('.') || s.startsWith('~') || !/[:/]/.test(s)) {
    hint = 'A local plugin needs the file:// scheme and an absolute path: write file:///absolute/path/to/plugin (relative paths are not allowed).';
  } else if (/^[^/]*:\d+$/.test(s)) {
    hint = `A remote plugin needs the grpc:// scheme: write ${echo ? quote(`grpc://${s}`) : 'grpc://host:port'}.`;
  } else {
    hint = `A registry plugin needs the oci:// scheme: write ${echo ? quote(`oci://${s}`) : 'oci://registry/repository:tag'}.`;
  }
  fail('COMMAND_MISSING_SCHEME', `The command has no scheme. ${hint}`);
}
