// What the OCI subcommands share: reference parsing, a registry client with credentials from the environment.
import { homedir } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseCommand, type OciCommand } from '@plugway/command';
import { createRegistryAuth, dockerConfigPathFromEnv, registryAuthFromEnv } from '@plugway/registry-auth';
import { isPlugwayError } from '@plugway/core';
import { RegistryClient } from '@plugway/oci';
import { EXIT, type CliIo } from './io.js';

export class UsageError extends Error {}

/** Parses an `oci://` argument (the same grammar as plugin commands). */
export function ociRef(arg: string | undefined): OciCommand {
  if (!arg) throw new UsageError('missing oci://registry/repository[:tag|@digest]');
  const cmd = parseCommand(arg);
  if (cmd.scheme !== 'oci') throw new UsageError(`expected an oci:// reference, got ${cmd.scheme}://`);
  return cmd;
}

export function clientFor(cmd: OciCommand, io: CliIo, insecure = false): RegistryClient {
  const auth = createRegistryAuth({ config: registryAuthFromEnv(io.env), dockerConfigPath: dockerConfigPathFromEnv(io.env, homedir()) });
  return new RegistryClient({ registry: cmd.reference.registry, auth, ...(cmd.options.auth ? { credentialName: cmd.options.auth } : {}), ...(insecure ? { scheme: 'http' as const } : {}) });
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = { values: { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : string } & { json?: boolean; insecure?: boolean }; positionals: string[] };

export function parse<T extends Options>(argv: string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: argv, options: { ...options, json: { type: 'boolean' }, insecure: { type: 'boolean' } }, allowPositionals: true, strict: true }) as unknown as Parsed<T>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs a command body, turning coded errors into exit 1 (2 for input errors) with the code printed. */
export async function guard(name: string, io: CliIo, json: boolean, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const usage = e instanceof UsageError;
    const code = usage ? 'CLI_USAGE' : isPlugwayError(e) ? e.code : 'CLI_ERROR';
    const message = (e as Error).message;
    if (json) io.stdout(JSON.stringify({ ok: false, error: { code, message } }));
    else io.stderr(`plugway ${name}: ${code}: ${message}${usage ? `\nRun "plugway ${name} --help" for usage.` : ''}`);
    return usage || code.startsWith('COMMAND_') ? EXIT.USAGE : EXIT.FAILURE;
  }
}
