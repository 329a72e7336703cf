import { describe, expect, it } from 'vitest';
import { CommandError } from '@plugway/command';
import { closestCommand, loadCommand, runCli, type CommandLoader } from './cli.js';
import { COMMAND_NAMES, COMMAND_SUMMARIES } from './commands/index.js';
import type { CliIo } from './io.js';
import { memoryIo } from './testing-io.js';

const notFound = (name: string) => Object.assign(new Error(`Cannot find module '/x/commands/${name}.js' imported from cli.ts`), { code: 'ERR_MODULE_NOT_FOUND' });

// A loader with one fake "validate" command that echoes its arguments; every other command is missing.
const fakeLoader: CommandLoader = async (name) => {
  if (name === 'validate') {
    return {
      run: async (argv: string[], io: CliIo) => {
        io.stdout(`ran ${JSON.stringify(argv)} ${io.env.X ?? ''}`);
        if (argv[0] === 'throw-command') throw new CommandError({ code: 'COMMAND_EMPTY', message: 'empty' });
        if (argv[0] === 'throw-other') throw new Error('boom');
        if (argv[0] === 'throw-string') throw 'str';
        if (argv[0] === 'throw-args') throw Object.assign(new TypeError("Unknown option '--x'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
        return 7;
      },
    };
  }
  if (name === 'sign') return { usage: 'no run here' };
  if (name === 'pull') throw new SyntaxError('Unexpected token in pull.ts');
  if (name === 'verify') return { run: async () => 0, usage: 'Usage: plugway verify <ref>' };
  throw notFound(name);
};

describe('runCli', () => {
  it('prints usage and exits 2 without a command', async () => {
    const io = memoryIo();
    expect(await runCli([], io, { load: fakeLoader })).toBe(2);
    expect(io.err()).toContain('Usage: plugway <command>');
  });

  it.each([['--help'], ['-h'], ['help']])('%s prints every known command with its summary, loading none of them, and exits 0', async (flag) => {
    const io = memoryIo();
    const loaded: string[] = [];
    expect(await runCli([flag], io, { load: async (name) => { loaded.push(name); return fakeLoader(name); } })).toBe(0);
    for (const name of COMMAND_NAMES) expect(io.out()).toContain(`  ${name.padEnd(10)} ${COMMAND_SUMMARIES[name]}`);
    expect(loaded).toEqual([]);
  });

  it('exits 2 with usage for an unknown command', async () => {
    const io = memoryIo();
    expect(await runCli(['frobnicate'], io, { load: fakeLoader })).toBe(2);
    expect(io.err()).toContain('unknown command "frobnicate"');
    expect(io.err()).not.toContain('did you mean');
    expect(io.err()).toContain('Usage:');
  });

  it('suggests the closest command for a typo', async () => {
    const io = memoryIo();
    expect(await runCli(['vaildate', 'x'], io, { load: fakeLoader })).toBe(2);
    expect(io.err()).toContain('unknown command "vaildate" (did you mean "validate"?)');
    expect(closestCommand('pul')).toBe('pull');
    expect(closestCommand('SIGN')).toBe('sign');
    expect(closestCommand('verfiy')).toBe('verify');
    expect(closestCommand('keygn')).toBe('keygen');
    expect(closestCommand('xyz')).toBeUndefined();
    expect(closestCommand('sing')).toBe('sign');
  });

  it('passes the remaining arguments and io to the command and returns its exit code', async () => {
    const io = memoryIo({ X: 'env-seen' });
    expect(await runCli(['validate', 'a', '--json'], io, { load: fakeLoader })).toBe(7);
    expect(io.out()).toBe('ran ["a","--json"] env-seen');
  });

  it.each([
    [['validate', '--help'], `plugway validate: ${COMMAND_SUMMARIES.validate}`],
    [['validate', '-h'], `plugway validate: ${COMMAND_SUMMARIES.validate}`],
    [['help', 'validate'], `plugway validate: ${COMMAND_SUMMARIES.validate}`],
    [['verify', '--help'], 'Usage: plugway verify <ref>'],
  ])('%j prints the command help and exits 0', async (argv, text) => {
    const io = memoryIo();
    expect(await runCli(argv, io, { load: fakeLoader })).toBe(0);
    expect(io.out()).toBe(text);
  });

  it('does not treat --help after "--" as a help request', async () => {
    const io = memoryIo();
    expect(await runCli(['validate', '--', '--help'], io, { load: fakeLoader })).toBe(7);
  });

  it.each([
    ['push', 'the "push" command is not available in this build'],
    ['sign', 'does not export run(argv, io)'],
    ['pull', 'the "pull" command failed to load: Unexpected token in pull.ts'],
  ])('reports a broken "%s" module clearly and exits 2', async (name, text) => {
    const io = memoryIo();
    expect(await runCli([name], io, { load: fakeLoader })).toBe(2);
    expect(io.err()).toContain(text);
  });

  it.each([
    ['throw-command', 2, 'COMMAND_EMPTY: empty'],
    ['throw-other', 1, 'unexpected error: boom'],
    ['throw-string', 1, 'unexpected error: str'],
    ['throw-args', 2, "Unknown option '--x'"],
  ])('catches what a command throws (%s → exit %i)', async (arg, code, text) => {
    const io = memoryIo();
    expect(await runCli(['validate', arg], io, { load: fakeLoader })).toBe(code);
    expect(io.err()).toContain(text);
  });
});

describe('loadCommand with the real loader', () => {
  it('loads every known command module that exists, or reports it missing', async () => {
    for (const name of COMMAND_NAMES) {
      const mod = await loadCommand(name);
      if ('error' in mod) expect(mod.error).toMatch(/not available in this build|failed to load/);
      else expect(typeof mod.run).toBe('function');
    }
  });
});
