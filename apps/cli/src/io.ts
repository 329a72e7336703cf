/** Everything a command may touch of the outside world, so commands run the same in-process (tests) and as a process. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** stderr is a terminal: progress bars are drawn only then. */
  isTTY: boolean;
}

/** A loaded command: `plugway <name>` loads `./commands/<name>.js` (which exports `usage?` and `run`) and calls `run`. */
export interface CommandModule {
  /** One line for `plugway --help` (from commands/index.ts COMMAND_SUMMARIES, not from the module). */
  summary: string;
  /** Full help text for `plugway <name> --help` (optional; the summary is shown when absent). */
  usage?: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run: (argv: string[], io: CliIo) => Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** The real process streams and environment. Writes end with a newline when the text lacks one. */
export function processIo(): CliIo {
  const nl = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  return {
    stdout: (s) => void process.stdout.write(nl(s)),
    stderr: (s) => void process.stderr.write(nl(s)),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
  };
}
