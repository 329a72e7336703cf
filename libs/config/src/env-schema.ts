// zod building blocks for environment variables: empty strings count as unset, and messages never echo values.
import { z } from 'zod';
import type { ConfigIssue } from './error.js';

export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** zod preprocess step: a string trimmed and lowercased (anything else as is). */
export const lower = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);

/** A boolean variable (true/false/1/0/yes/no/on/off, any case). */
export function envBool(dflt: boolean) {
  return z.preprocess(lower, z.enum([...TRUE, ...FALSE], { error: 'expected a boolean (true/false/1/0/yes/no/on/off)' }).optional())
    .transform((v) => (v === undefined ? dflt : TRUE.includes(v)));
}

/** An integer variable within [min, max]. */
export function envInt(dflt: number, min: number, max: number) {
  return z.string().trim()
    .regex(/^\d+$/, { error: `expected a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }))
    .optional()
    .transform((v) => v ?? dflt);
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go-style duration (`30s`, `1m30s`, `500ms`, `24h`) or a whole number of seconds; undefined if neither. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return Math.round(total);
}

/** A duration variable (Go syntax such as `30s`, `5m`, `1h30m`, or seconds) within [minMs, maxMs], in ms. */
export function envDuration(minMs: number, maxMs: number) {
  return z.string().optional().transform((v, ctx) => {
    if (v === undefined) return undefined;
    const ms = parseDuration(v);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s, 5m or 1h30m (or seconds), between ${minMs / 1000}s and ${maxMs / 1000}s` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A comma-separated list variable. */
export const envList = z.string().optional().transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const envLogLevel = z.preprocess(lower, z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).optional()).transform((v) => v ?? 'info');

/** An absolute or relative filesystem path (no NUL). */
export const envPath = z.string().refine((p) => !p.includes('\0'), { error: 'must not contain NUL' });

/** An http(s) URL; messages never include the URL (it may carry credentials). */
export const envHttpUrl = z.string().refine((u) => {
  try { const p = new URL(u); return p.protocol === 'http:' || p.protocol === 'https:'; } catch { return false; }
}, { error: 'expected an http:// or https:// URL' });

/** Drops empty values so that `VAR=` means "unset". */
export function cleanEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** Parses `env` with `schema`, appending every issue (path = the variable name) to `issues`. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string>, issues: ConfigIssue[]): z.output<S> | undefined {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  for (const i of r.error.issues) issues.push({ path: i.path.map(String).join('.') || '(environment)', message: i.message });
  return undefined;
}
