import type { LogFields, Logger } from '@plugway/core';

export type PluginLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<PluginLogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export interface PluginLoggerOptions {
  /** hclog `@module`, e.g. the plugin's name. */
  name?: string;
  /** Lowest level written (default 'info'). */
  level?: PluginLogLevel;
  /** Where lines go (default process.stderr). stdout is reserved for the handshake. */
  write?: (line: string) => void;
}

/**
 * hclog's JSON timestamp layout `2006-01-02T15:04:05.000000Z07:00`: go-plugin hosts parse it with exactly six
 * fractional digits, and print lines that do not parse as raw DEBUG text instead of at their level.
 */
export function hclogTimestamp(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * A `Logger` (the @plugway/core port) that writes hclog JSON lines (`@level`, `@message`, `@timestamp`, `@module`,
 * then the fields) to stderr, which go-plugin hosts — Go or @plugway/plugin-host — re-log at the same level.
 */
export function createPluginLogger(opts: PluginLoggerOptions = {}, bound: LogFields = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const emit = (level: PluginLogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[level] < min) return;
    const rec: Record<string, unknown> = { '@level': level, '@message': message, '@timestamp': hclogTimestamp() };
    if (opts.name) rec['@module'] = opts.name;
    for (const [k, v] of Object.entries({ ...bound, ...fields })) {
      // Errors serialise to {} in JSON; keep their message.
      rec[k.startsWith('@') ? k.slice(1) : k] = v instanceof Error ? v.message : v;
    }
    let line: string;
    try {
      line = JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ '@level': level, '@message': message, '@timestamp': rec['@timestamp'], fields: 'unserialisable' });
    }
    write(line + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createPluginLogger(opts, { ...bound, ...f }),
  };
}
