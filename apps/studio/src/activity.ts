// What the admin page shows about a plugin beyond its row: its recent log lines (plugin output and lifecycle events,
// redacted) and its recent health checks. Both are bounded rings per plugin, kept in memory by this replica.
import { redact, REDACTED, type LogFields, type Logger } from '@plugway/core';

export interface LogLine { time: string; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields: LogFields }
export interface HealthCheck { time: string; state: string; health: string; pid?: number; restarts: number }

const MAX_LINES = 200;
const MAX_CHECKS = 50;

function push<T>(rings: Map<string, T[]>, key: string, item: T, max: number): void {
  const ring = rings.get(key) ?? [];
  ring.push(item);
  if (ring.length > max) ring.splice(0, ring.length - max);
  rings.set(key, ring);
}

export class PluginActivity {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly checks = new Map<string, HealthCheck[]>();

  /** A Logger that writes to `inner` and keeps every line that names a plugin (`plugin` field or binding). */
  tee(inner: Logger, bound: LogFields = {}): Logger {
    const record = (level: LogLine['level']) => (msg: string, fields?: LogFields): void => {
      inner[level](msg, fields);
      const all = { ...bound, ...fields };
      const plugin = all['plugin'];
      if (typeof plugin !== 'string' && typeof plugin !== 'number') return;
      const { plugin: _p, component: _c, ...rest } = all;
      push(this.lines, String(plugin), { time: new Date().toISOString(), level, msg: redact(msg), fields: redact(rest) }, MAX_LINES);
    };
    return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: (f) => this.tee(inner.child(f), { ...bound, ...f }) };
  }

  recordHealth(id: number, check: Omit<HealthCheck, 'time'>): void {
    push(this.checks, String(id), { time: new Date().toISOString(), ...check }, MAX_CHECKS);
  }

  logs(id: number): LogLine[] {
    return [...(this.lines.get(String(id)) ?? [])];
  }

  healthHistory(id: number): HealthCheck[] {
    return [...(this.checks.get(String(id)) ?? [])];
  }

  forget(id: number): void {
    this.lines.delete(String(id));
    this.checks.delete(String(id));
  }
}

/**
 * A config from a PATCH where a value is the REDACTED placeholder keeps the stored value at that path, so editing a
 * config shown redacted never overwrites a secret with the placeholder.
 */
export function keepRedacted(next: unknown, before: unknown): unknown {
  if (next === REDACTED) return before === undefined ? next : before;
  if (Array.isArray(next)) return next.map((v, i) => keepRedacted(v, Array.isArray(before) ? before[i] : undefined));
  if (next !== null && typeof next === 'object') {
    const b = before !== null && typeof before === 'object' && !Array.isArray(before) ? (before as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, keepRedacted(v, b[k])]));
  }
  return next;
}
