import { isPlugwayError } from '@plugway/core';
import { COMMAND_NAMES, COMMAND_SUMMARIES, isCommandName, type CommandName } from './commands/index.js';
import { EXIT, type CliIo, type CommandModule } from './io.js';

const HELP_FLAGS = new Set(['--help', '-h']);

/** How a command module is loaded; tests may pass their own. */
export type CommandLoader = (name: CommandName) => Promise<unknown>;

// Static imports per command (a template-literal import is opaque to bundlers and to vitest's transform).
const COMMAND_LOADERS: Record<CommandName, () => Promise<unknown>> = {
  validate: () => import('./commands/validate.js'),
  package: () => import('./commands/package.js'),
  push: () => import('./commands/push.js'),
  sign: () => import('./commands/sign.js'),
  verify: () => import('./commands/verify.js'),
  pull: () => import('./commands/pull.js'),
  inspect: () => import('./commands/inspect.js'),
  keygen: () => import('./commands/keygen.js'),
};
const importCommand: CommandLoader = (name) => COMMAND_LOADERS[name]();

/** Load a command module; a missing or malformed module is reported as `{ error }`, never thrown. */
export async function loadCommand(name: CommandName, load: CommandLoader = importCommand): Promise<CommandModule | { error: string }> {
  let mod: Partial<CommandModule>;
  try {
    mod = (await load(name)) as Partial<CommandModule>;
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    const first = String(err.message).split('\n')[0] ?? '';
    const missing = err.code === 'ERR_MODULE_NOT_FOUND' && first.includes(`commands/${name}.`);
    return { error: missing ? `the "${name}" command is not available in this build (commands/${name} is missing)` : `the "${name}" command failed to load: ${first}` };
  }
  if (typeof mod?.run !== 'function') return { error: `the "${name}" command module does not export run(argv, io)` };
  return { summary: COMMAND_SUMMARIES[name], usage: typeof mod.usage === 'string' ? mod.usage : undefined, run: mod.run };
}

// From the summaries table alone: listing the commands loads none of them.
function usage(): string {
  return [
    'Usage: plugway <command> [options]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((name) => `  ${name.padEnd(10)} ${COMMAND_SUMMARIES[name]}`),
    '',
    'Run "plugway <command> --help" for the options of a command.',
    'Exit codes: 0 success, 1 failure or policy denial, 2 usage or input error.',
  ].join('\n');
}

// Edit distance (insert, delete, substitute, swap two neighbours): "vaildate" and "pul" are one edit from a command.
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known command closest to a mistyped one (at most 2 edits, fewer for short words), if any. */
export function closestCommand(typed: string): CommandName | undefined {
  const word = typed.toLowerCase();
  const limit = word.length <= 4 ? 1 : 2;
  let best: { name: CommandName; d: number } | undefined;
  for (const name of COMMAND_NAMES) {
    const d = distance(word, name);
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * Run the CLI in-process: `argv` is what follows `plugway` (no node/script path). Resolves to the exit code;
 * never throws and never calls process.exit.
 */
export async function runCli(argv: string[], io: CliIo, options: { load?: CommandLoader } = {}): Promise<number> {
  const load = options.load ?? importCommand;
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(usage());
    return EXIT.USAGE;
  }
  if (HELP_FLAGS.has(first) || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      io.stdout(usage());
      return EXIT.OK;
    }
    return runCli([topic, '--help'], io, options);
  }
  if (!isCommandName(first)) {
    const near = closestCommand(first);
    const hint = near ? ` (did you mean "${near}"?)` : '';
    io.stderr(`plugway: unknown command ${JSON.stringify(first)}${hint}\n\n${usage()}`);
    return EXIT.USAGE;
  }
  const mod = await loadCommand(first, load);
  if ('error' in mod) {
    io.stderr(`plugway: ${mod.error}`);
    return EXIT.USAGE;
  }
  const end = rest.indexOf('--');
  if ((end === -1 ? rest : rest.slice(0, end)).some((a) => HELP_FLAGS.has(a))) {
    io.stdout(mod.usage ?? `plugway ${first}: ${mod.summary}`);
    return EXIT.OK;
  }
  try {
    return await mod.run(rest, io);
  } catch (e) {
    return reportUncaught(first, e, io);
  }
}

// A command should map its own errors to output and an exit code; this is the safety net.
function reportUncaught(name: string, e: unknown, io: CliIo): number {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
    io.stderr(`plugway ${name}: ${(e as Error).message}\nRun "plugway ${name} --help" for usage.`);
    return EXIT.USAGE;
  }
  if (isPlugwayError(e)) {
    io.stderr(`plugway ${name}: ${e.code}: ${e.message}`);
    return e.code.startsWith('COMMAND_') ? EXIT.USAGE : EXIT.FAILURE;
  }
  io.stderr(`plugway ${name}: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
  return EXIT.FAILURE;
}
