import type { FileCommand } from './command.types.js';
import { fail, quote } from './error.js';
import { percentDecode } from './percent.js';

const EXAMPLE = 'file:///absolute/path/to/plugin';

/** Reject `?…` and `#…` in schemes that take no options. */
export function rejectQueryAndFragment(rest: string, scheme: 'file' | 'grpc'): void {
  const what = scheme === 'file' ? 'A file path' : 'A grpc:// command';
  const escape = scheme === 'file' ? ' (percent-encode a literal "?" as %3F and "#" as %23)' : '';
  if (rest.includes('#')) fail('COMMAND_UNEXPECTED_FRAGMENT', `${what} cannot have a "#fragment"${escape}.`, { scheme });
  if (rest.includes('?')) fail('COMMAND_UNEXPECTED_QUERY', `${what} takes no "?options"${escape}.`, { scheme });
}

/** Parse what follows `file://`. */
export function parseFileCommand(rest: string, raw: string): FileCommand {
  rejectQueryAndFragment(rest, 'file');
  if (rest === '') fail('COMMAND_MISSING_PATH', `The file:// command names no file: write ${EXAMPLE}.`);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  if (authority.includes('@')) {
    fail('COMMAND_UNEXPECTED_USERINFO', `A file:// command cannot carry user information ("…@"): write ${EXAMPLE}.`);
  }
  if (slash === -1 || authority.startsWith('.') || authority.startsWith('~')) {
    fail('COMMAND_RELATIVE_PATH', `Relative paths are not allowed: ${quote(`file://${rest}`)} must be an absolute path such as ${EXAMPLE} (three slashes).`);
  }
  // RFC 8089: an empty authority or "localhost" is the local machine; any other host is a remote file.
  if (authority !== '' && authority.toLowerCase() !== 'localhost') {
    fail(
      'COMMAND_INVALID_PATH',
      `${quote(authority)} would be a remote host, but file:// commands name local files: write ${quote(`file:///${rest}`)} for an absolute path.`,
      { host: authority },
    );
  }
  const encoded = rest.slice(slash);
  const path = percentDecode(encoded);
  if (path === undefined) {
    fail('COMMAND_INVALID_PATH', `The path ${quote(encoded)} has a malformed percent-encoding: write "%" as %25 and use %XX with two hex digits of UTF-8.`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
  const ctl = /[\u0000-\u001f\u007f]/.exec(path);
  if (ctl) {
    fail('COMMAND_INVALID_PATH', `The path contains a control character (${ctl[0] === '\u0000' ? 'NUL' : `U+${ctl[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`}); file names of plugins must not.`);
  }
  if (path.endsWith('/')) {
    fail('COMMAND_INVALID_PATH', `The path ${quote(path)} names a directory; name the plugin executable, e.g. ${EXAMPLE}.`);
  }
  return { scheme: 'file', raw, path };
}
