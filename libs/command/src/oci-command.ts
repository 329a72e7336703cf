import type { OciCommand, OciCommandOptions } from './command.types.js';
import { fail, quote } from './error.js';
import { parseOciReference } from './oci-reference.js';
import { percentDecode } from './percent.js';

/** The query options an `oci://` command accepts, in canonical order. */
export const OCI_OPTION_NAMES = ['pubkey', 'arch', 'auth'] as const;
type OptionName = (typeof OCI_OPTION_NAMES)[number];

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
// AI Studio's other pubkey= forms: env:VAR and an absolute path of a PEM file.
const ENV_KEY_RE = /^env:[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const isKeyPath = (v: string): boolean => /^\/[A-Za-z0-9._/+@-]{1,1023}$/.test(v) && !v.split('/').includes('..');
const ARCH_RE = /^[a-z0-9][a-z0-9_]{0,31}(?:\/[a-z0-9][a-z0-9_.]{0,31}){0,2}$/;

// Values are validated without ever echoing pubkey/auth values: a pasted secret must not reach logs.
const VALIDATORS: Record<OptionName, (v: string) => string> = {
  pubkey: (v) =>
    NAME_RE.test(v) || ENV_KEY_RE.test(v) || isKeyPath(v)
      ? v
      : fail('COMMAND_INVALID_OPTION', 'pubkey must name a public key: a configured one such as pubkey=1 (OCI_PLUGINS_PUBLIC_KEY_1) or pubkey=release (OCI_PLUGINS_PUBKEY_RELEASE), a variable holding one (pubkey=env:RELEASE_KEY), or the absolute path of a PEM file (pubkey=/etc/keys/release.pub).', { option: 'pubkey' }),
  auth: (v) =>
    NAME_RE.test(v)
      ? v
      : fail('COMMAND_INVALID_OPTION', 'auth must name a configured registry credential, e.g. auth=ghcr (letters, digits, "_" and "-", at most 64); never put a secret in the command.', { option: 'auth' }),
  arch: (v) => {
    const lower = v.toLowerCase();
    return ARCH_RE.test(lower)
      ? lower
      : fail('COMMAND_INVALID_OPTION', `arch ${quote(v)} is not a platform; write an architecture such as arch=amd64 or os/arch[/variant] such as arch=linux/arm64/v8.`, { option: 'arch' });
  },
};

function isOptionName(s: string): s is OptionName {
  return (OCI_OPTION_NAMES as readonly string[]).includes(s);
}

/** Parse what follows `oci://`: a reference and optional `?pubkey=…&arch=…&auth=…`. */
export function parseOciCommand(rest: string, raw: string): OciCommand {
  if (rest.includes('#')) fail('COMMAND_UNEXPECTED_FRAGMENT', 'An oci:// command cannot have a "#fragment".', { scheme: 'oci' });
  const q = rest.indexOf('?');
  const refText = q === -1 ? rest : rest.slice(0, q);
  if (refText === '') fail('COMMAND_INVALID_REFERENCE', 'The oci:// command names no image: write oci://registry.example.com/team/plugin:1.0.0.');
  const reference = parseOciReference(refText);
  const options = q === -1 ? {} : parseOptions(rest.slice(q + 1));
  return { scheme: 'oci', raw, reference, options };
}

function parseOptions(query: string): OciCommandOptions {
  const options: OciCommandOptions = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq));
    if (name === undefined || !isOptionName(name)) {
      const near = OCI_OPTION_NAMES.find((n) => n === name?.toLowerCase());
      fail(
        'COMMAND_UNKNOWN_OPTION',
        `Unknown option ${quote(name ?? pair.slice(0, eq === -1 ? undefined : eq))}${near ? ` (did you mean ${near}?)` : ''}; oci:// commands accept only ${OCI_OPTION_NAMES.join(', ')}.`,
      );
    }
    if (options[name] !== undefined) fail('COMMAND_DUPLICATE_OPTION', `The option ${name} is given more than once; give it once.`, { option: name });
    const value = eq === -1 ? '' : percentDecode(pair.slice(eq + 1));
    if (value === undefined) fail('COMMAND_INVALID_OPTION', `The value of ${name} has a malformed percent-encoding.`, { option: name });
    if (value === '') fail('COMMAND_INVALID_OPTION', `The option ${name} needs a value: write ${name}=<value>.`, { option: name });
    options[name] = VALIDATORS[name](value);
  }
  return options;
}
