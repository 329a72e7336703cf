// The logging port: libs take an optional Logger and never write to the console themselves.

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const noop = (): void => undefined;

/** A Logger that drops everything; the default where none is injected. */
export const NOOP_LOGGER: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => NOOP_LOGGER };
