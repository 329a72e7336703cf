import type { PluginCommand } from './command.types.js';
import { OCI_OPTION_NAMES } from './oci-command.js';
import { formatOciReference } from './oci-reference.js';
import { percentEncodePath } from './percent.js';

/**
 * The canonical string of a parsed command: `parseCommand(commandToString(c))` yields `c` again (apart from `raw`).
 * File paths are percent-encoded where needed, IPv6 hosts bracketed, OCI references canonical (registry and
 * `library/` filled in) with options in the order pubkey, arch, auth.
 */
export function commandToString(cmd: PluginCommand): string {
  switch (cmd.scheme) {
    case 'file':
      return `file://${percentEncodePath(cmd.path)}`;
    case 'grpc':
      return `grpc://${cmd.hostKind === 'ipv6' ? `[${cmd.host}]` : cmd.host}:${cmd.port}`;
    case 'oci': {
      const query = OCI_OPTION_NAMES.filter((n) => cmd.options[n] !== undefined)
        .map((n) => `${n}=${encodeURIComponent(cmd.options[n]!).replace(/%2F/g, '/')}`)
        .join('&');
      return `oci://${formatOciReference(cmd.reference)}${query === '' ? '' : `?${query}`}`;
    }
  }
}
