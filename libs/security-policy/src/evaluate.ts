import { lookup } from 'node:dns/promises';
import type { PluginCommand } from '@plugway/command';
import { PolicyError } from './error.js';
import { evaluateFile } from './evaluate-file.js';
import { evaluateGrpc } from './evaluate-grpc.js';
import { evaluateConnection, evaluateOci } from './evaluate-oci.js';
import { aborted } from './findings.js';
import type { Decision, EvaluateOptions, Policy, Resolver } from './policy.js';

export const defaultResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * Decides whether a parsed command may run. Every reason is a coded Finding in the decision.
 * For grpc:// every resolved address is checked and `target.address` is the one to dial (never resolve again);
 * for file:// `target.path` is the real path to execute.
 * @throws PolicyError POLICY_ABORTED when `signal` aborts; POLICY_INVALID_COMMAND for something that is not a PluginCommand
 */
export async function evaluateCommand(cmd: PluginCommand, policy: Policy, opts: EvaluateOptions = {}): Promise<Decision> {
  if (opts.signal?.aborted) throw aborted();
  const scheme = (cmd as { scheme?: unknown } | null | undefined)?.scheme;
  if (scheme === 'file') return evaluateFile(cmd as Extract<PluginCommand, { scheme: 'file' }>, policy, opts.realpath, opts.signal);
  if (scheme === 'grpc') return evaluateGrpc(cmd as Extract<PluginCommand, { scheme: 'grpc' }>, policy, opts.resolve ?? defaultResolver, opts.signal);
  if (scheme === 'oci' && typeof (cmd as { reference?: unknown }).reference === 'object' && (cmd as { reference?: unknown }).reference !== null) {
    return evaluateOci(cmd as Extract<PluginCommand, { scheme: 'oci' }>, policy, opts.resolve ?? defaultResolver, opts.signal);
  }
  throw new PolicyError({ code: 'POLICY_INVALID_COMMAND', message: `not a parsed plugin command (scheme ${JSON.stringify(scheme)})`, details: { scheme: typeof scheme === 'string' ? scheme : typeof scheme } });
}

/**
 * Checks a host the OCI path is about to connect to on a registry's behalf (`host[:port]` of the registry, a redirect
 * target, a token realm or a mirror). Allowed decisions carry `target.address`, the checked address to dial; a name
 * that does not resolve is denied (POLICY_DNS_FAILED). A registry allowlist entry for the host grants internal access.
 * @throws PolicyError POLICY_ABORTED when `signal` aborts
 */
export async function evaluateRegistryConnection(hostPort: string, policy: Policy, opts: Pick<EvaluateOptions, 'resolve' | 'signal'> = {}): Promise<Decision> {
  if (opts.signal?.aborted) throw aborted();
  return evaluateConnection(hostPort, policy, opts.resolve ?? defaultResolver, opts.signal);
}
