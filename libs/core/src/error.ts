// The one base class every lib's error extends. Codes are stable, append-only strings with the lib's prefix.

const BRAND = Symbol.for('plugway.error');

export interface PlugwayErrorOptions<C extends string> {
  code: C;
  message: string;
  cause?: unknown;
  /** Safe to serialise: never holds secrets (redact at the point the error is built). */
  details?: Readonly<Record<string, unknown>>;
}

export class PlugwayError<C extends string = string> extends Error {
  readonly code: C;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(opts: PlugwayErrorOptions<C>) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    if (opts.details !== undefined) this.details = opts.details;
    // The brand survives two installed copies of a lib, where instanceof would not.
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Plain JSON form for logs and API bodies: name, code, message, details; never the cause's stack. */
  toJSON(): { name: string; code: C; message: string; details?: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** True for any PlugwayError (or subclass) from any copy of @plugway/core. */
export function isPlugwayError(e: unknown): e is PlugwayError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
