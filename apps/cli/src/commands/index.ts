// The subcommands `plugway` knows, in help order. Each name maps to the module ./<name>.js in this folder,
// which exports `summary`, optionally `usage`, and `run(argv, io)` (see ../io.ts CommandModule).
export const COMMAND_NAMES = ['validate', 'package', 'push', 'sign', 'verify', 'pull', 'inspect', 'keygen'] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export function isCommandName(s: string): s is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(s);
}
