import type { Logger } from '@plugway/core';
import { GO_PLUGIN_HANDSHAKE } from '@plugway/proto';
import { SdkError } from './error.js';

/** go-plugin's HandshakeConfig as the plugin side sees it. */
export interface HandshakeOptions {
  magicCookieKey: string;
  magicCookieValue: string;
  appProtocolVersion: number;
}

/** AI Studio's handshake (`AI_STUDIO_PLUGIN=v1`, app protocol 1), the one @plugway/plugin-host launches with (both from @plugway/proto). */
export const SDK_DEFAULT_HANDSHAKE: Readonly<HandshakeOptions> = GO_PLUGIN_HANDSHAKE;

// go-plugin's own words, so operators recognise the situation from Go plugins too.
export const NOT_A_PROGRAM = 'This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically\n';

const HOOK_NAMES = new Set(['initialize', 'preAuth', 'authenticate', 'postAuth', 'onBeforeWriteHeaders', 'onBeforeWrite', 'onStreamComplete',
  'handleProxyLog', 'handleAnalytics', 'handleBudgetUsage', 'getConfigSchema', 'getManifest', 'shutdown']);

/**
 * Checks what the plugin author passed (all problems at once) and returns the handshake to use.
 * @throws SdkError SDK_INVALID_OPTIONS
 */
export function checkServeOptions(opts: { hooks?: unknown; handshake?: HandshakeOptions; network?: string }): HandshakeOptions {
  const problems: string[] = [];
  const hooks: unknown = opts?.hooks;
  if (hooks === null || typeof hooks !== 'object') problems.push('hooks must be an object');
  else {
    for (const [k, v] of Object.entries(hooks)) {
      if (!HOOK_NAMES.has(k)) problems.push(`unknown hook "${k}" (known: ${[...HOOK_NAMES].join(', ')})`);
      else if (v !== undefined && typeof v !== 'function') problems.push(`hook "${k}" must be a function`);
    }
  }
  const hs = opts?.handshake ?? SDK_DEFAULT_HANDSHAKE;
  if (typeof hs.magicCookieKey !== 'string' || !hs.magicCookieKey) problems.push('handshake.magicCookieKey must be a non-empty string');
  if (typeof hs.magicCookieValue !== 'string' || !hs.magicCookieValue) problems.push('handshake.magicCookieValue must be a non-empty string');
  if (!Number.isInteger(hs.appProtocolVersion) || hs.appProtocolVersion < 1) problems.push('handshake.appProtocolVersion must be a positive integer');
  if (opts?.network !== undefined && opts.network !== 'unix' && opts.network !== 'tcp') problems.push('network must be "unix" or "tcp"');
  if (problems.length) throw new SdkError({ code: 'SDK_INVALID_OPTIONS', message: `invalid servePlugin options: ${problems.join('; ')}`, details: { problems } });
  return hs;
}

/**
 * go-plugin's negotiation: the plugin answers with its own version. When the host did not offer it, go-plugin still
 * serves that version and lets the host refuse the handshake ("Incompatible API version"); so do we, with a log.
 */
export function warnOnVersionMismatch(offered: string | undefined, ours: number, logger: Logger): void {
  if (!offered) return;
  const versions: number[] = [];
  for (const s of offered.split(',')) {
    if (/^\s*\d+\s*$/.test(s)) versions.push(Number(s));
    else logger.warn('host sent an invalid plugin version', { value: s });
  }
  if (!versions.includes(ours)) {
    logger.warn('the host offers no app protocol version this plugin speaks; serving ours for the host to refuse', { code: 'SDK_PROTOCOL_MISMATCH', offered: versions, ours });
  }
}
