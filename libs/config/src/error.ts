import { isPlugwayError, PlugwayError } from '@plugway/core';

/** Every code @plugway/config throws. Append-only. */
export type ConfigErrorCode = 'CONFIG_INVALID';

/** One problem with the environment: `path` is the variable (or settings path), never its value. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** The only error class @plugway/config throws; `details.issues` lists every problem at once. */
export class ConfigError extends PlugwayError<ConfigErrorCode> {}

/**
 * What a runtime prints when its settings are refused: one line per issue (variable names, never values); undefined
 * when `e` is not a CONFIG_INVALID error.
 */
export function describeConfigError(e: unknown): string | undefined {
  if (!isPlugwayError(e) || e.code !== 'CONFIG_INVALID') return undefined;
  return `invalid configuration\n${(e.details?.['issues'] as ConfigIssue[]).map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`;
}

/** Throws CONFIG_INVALID when `issues` is non-empty. */
export function throwIfIssues(issues: readonly ConfigIssue[], what: string): void {
  if (issues.length === 0) return;
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    message: `invalid ${what} configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    details: { issues: issues.map((i) => ({ path: i.path, message: i.message })) },
  });
}
