// The subcommands `plugway` knows, in help order, with the line `plugway --help` shows for each. The lines live here,
// not in the modules, so `plugway --help` loads no command module (each is a bundle of its own in dist/). Each name
// maps to the module ./<name>.js in this folder, which exports `run(argv, io)` and optionally `usage` (see ../io.ts).
export const COMMAND_NAMES = ['validate', 'package', 'push', 'sign', 'verify', 'pull', 'inspect', 'keygen'] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** One line per command for `plugway --help`. */
export const COMMAND_SUMMARIES: Readonly<Record<CommandName, string>> = {
  validate: 'Check a plugin command against the security policy (0 allow, 1 deny, 2 bad input)',
  package: 'Bundle a TypeScript/JavaScript plugin into one file the host runs with its Node: plugway package [dir|entry]',
  push: 'Publish an executable as a plugin artifact: plugway push <file> oci://registry/repo:tag',
  sign: 'Sign a plugin artifact with a private key (cosign-compatible): plugway sign oci://… --key key.pem',
  verify: 'Check a plugin artifact\'s signature: plugway verify oci://… [--key pub.pem]',
  pull: 'Pull a plugin into the local cache and print its executable path: plugway pull oci://…',
  inspect: 'Show a plugin artifact: manifest, layers, platforms and signatures: plugway inspect oci://…',
  keygen: 'Create an ECDSA P-256 signing key pair: plugway keygen --out <prefix>',
};

export function isCommandName(s: string): s is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(s);
}
