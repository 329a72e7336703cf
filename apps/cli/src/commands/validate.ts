import { parseArgs } from 'node:util';
import { commandToString, CommandError, parseCommand, type PluginCommand } from '@plugway/command';
import { isPlugwayError } from '@plugway/core';
import { createPolicy, evaluateCommand, policyOptionsFromEnv, type Decision } from '@plugway/security-policy';
import { EXIT, type CliIo } from '../io.js';


export const usage = `Usage: plugway validate <command> [--json]

Parses <command> (file:///abs/path, grpc://host:port or oci://registry/repo:tag?pubkey=&arch=&auth=) and evaluates it
against the security policy built from the environment:
  ALLOW_INTERNAL_NETWORK_ACCESS=true   allow internal network targets (reported as warnings)
  PLUGIN_COMMAND_ALLOWLIST=...         comma-separated CIDRs, hosts and path globs that are always allowed
  PLUGIN_BLOCK_INTERNAL_URLS=...       block internal targets (default true)

Output: ALLOW, ALLOW (with warnings) or DENY with one line per reason and its code.
  --json   print one JSON object instead: { decision, command, warnings, violations, target? };
           an input error prints { ok: false, error: { code, message } }
Exit codes: 0 allowed (with or without warnings), 1 denied, 2 usage error, unparsable command or invalid policy settings.`;

function usageError(message: string, json: boolean, io: CliIo): number {
  if (json) io.stdout(JSON.stringify({ ok: false, error: { code: 'CLI_USAGE', message } }));
  else io.stderr(`plugway validate: ${message}\nRun "plugway validate --help" for usage.`);
  return EXIT.USAGE;
}

function inputError(e: { code: string; message: string }, json: boolean, io: CliIo): number {
  if (json) io.stdout(JSON.stringify({ ok: false, error: { code: e.code, message: e.message } }));
  else io.stderr(`error ${e.code}: ${e.message}`);
  return EXIT.USAGE;
}

/** `plugway validate <command> [--json]` */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
  } catch (e) {
    return usageError((e as Error).message, json, io);
  }
  if (positionals.length !== 1) {
    return usageError(positionals.length === 0 ? 'missing <command>' : `expected one <command>, got ${positionals.length} (quote it if it contains "&" or "?")`, json, io);
  }
  let cmd: PluginCommand;
  try {
    cmd = parseCommand(positionals[0]!);
  } catch (e) {
    if (e instanceof CommandError) return inputError(e, json, io);
    throw e;
  }
  let decision: Decision;
  try {
    decision = await evaluateCommand(cmd, createPolicy(policyOptionsFromEnv(io.env)));
  } catch (e) {
    // Invalid policy settings (e.g. a malformed CIDR in PLUGIN_COMMAND_ALLOWLIST) fail closed with their code.
    if (isPlugwayError(e)) return inputError(e, json, io);
    throw e;
  }
  const warnings = decision.warnings;
  const violations = decision.allowed ? [] : decision.violations;
  const verdict = !decision.allowed ? 'deny' : warnings.length > 0 ? 'allow-with-warnings' : 'allow';
  const target = decision.allowed ? decision.target : undefined;
  if (json) {
    io.stdout(JSON.stringify({ ok: true, decision: verdict, command: cmd, warnings, violations, ...(target === undefined ? {} : { target }) }, null, 2));
  } else {
    const label = { allow: 'ALLOW', 'allow-with-warnings': 'ALLOW (with warnings)', deny: 'DENY' }[verdict];
    const lines = [`${label} ${commandToString(cmd)}`];
    for (const v of violations) lines.push(`  violation ${v.code}: ${v.message}`);
    for (const w of warnings) lines.push(`  warning ${w.code}: ${w.message}`);
    io.stdout(lines.join('\n'));
  }
  return decision.allowed ? EXIT.OK : EXIT.FAILURE;
}
