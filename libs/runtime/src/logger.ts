import pino, { type DestinationStream } from 'pino';
import { redact, redactString, type Logger, type LogFields } from '@plugway/core';

/** Paths pino censors on top of the key-name redaction done by core's `redact`. */
const REDACT_PATHS = ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', 'config', '*.config', 'password', '*.password'];

export type PinoLogger = pino.Logger;

/** The pino logger of a runtime (`service` names it in every line); writes to stdout unless given a destination. */
export function createPino(service: string, level: string, destination?: DestinationStream): PinoLogger {
  return pino({
    level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: { service },
    // Every line, also from direct pino calls: secret keys and credentials inside values, at any depth, in fields and message.
    formatters: { log: (o) => redact(o) },
    hooks: { logMethod(args, method) { method.apply(this, args.map((a) => (typeof a === 'string' ? redactString(a) : a)) as Parameters<typeof method>); } },
  }, destination ?? pino.destination(1));
}

/** Adapts pino to the libs' Logger port; fields pass through core's `redact` first. */
export function toLoggerPort(p: PinoLogger): Logger {
  const wrap = (fn: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: LogFields) => p[fn](fields ? redact(fields) : {}, msg);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error'), child: (f: LogFields) => toLoggerPort(p.child(redact(f))) };
}
