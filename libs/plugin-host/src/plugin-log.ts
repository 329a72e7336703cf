import type { Logger } from '@plugway/core';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/**
 * Forwards one line of plugin output to the host logger. hclog JSON lines (`{"@level","@message",…}`, what
 * go-plugin plugins write) keep their level and fields; anything else is logged as plain text at info.
 */
export function forwardPluginLog(logger: Logger, stream: 'stdout' | 'stderr', line: string): void {
  const text = line.length > 4096 ? `${line.slice(0, 4096)}…` : line;
  if (!text.trim()) return;
  if (text.startsWith('{')) {
    try {
      const rec = JSON.parse(text) as Record<string, unknown>;
      const level = String(rec['@level'] ?? 'info').toLowerCase();
      const msg = String(rec['@message'] ?? '');
      const fields: Record<string, unknown> = { stream };
      for (const [k, v] of Object.entries(rec)) if (!k.startsWith('@')) fields[k] = v;
      const lvl = (LEVELS.has(level) ? (level === 'trace' ? 'debug' : level) : 'info') as 'debug' | 'info' | 'warn' | 'error';
      logger[lvl](msg, fields);
      return;
    } catch {
      // not JSON after all: log as text below
    }
  }
  logger.info(text, { stream });
}
