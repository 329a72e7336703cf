import { z } from 'zod';
import type { PluginCommand } from './command.types.js';
import type { CommandError } from './error.js';
import { parseCommand } from './parse-command.js';

/**
 * zod schema for REST bodies: a string parsed with {@link parseCommand}. A rejected command becomes one
 * custom issue whose message is the CommandError message and whose `params.code` is its code.
 */
export const pluginCommandSchema: z.ZodType<PluginCommand, string> = /* @__PURE__ */ z.string().transform((s, ctx) => {
  try {
    return parseCommand(s);
  } catch (e) {
    const err = e as CommandError;
    ctx.addIssue({ code: 'custom', message: err.message, params: { code: err.code } });
    return z.NEVER;
  }
});
