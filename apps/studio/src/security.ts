// HTTP hardening for the studio: security headers on every response and a per-client throttle on bad API tokens.
import type { NextFunction, Request, Response } from 'express';

/** The admin page's policy: its script and style are files from the studio itself; nothing inline, never framed. */
export const ADMIN_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** nosniff + no framing on everything; `Cache-Control: no-store` on everything but the static admin assets. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  });
  next();
}

export interface ThrottleOptions {
  /** Bad tokens a client may send within `windowMs` before it gets 429s. */
  maxFailures: number;
  windowMs: number;
  /** Clients remembered at most (the oldest are forgotten first), so the map stays bounded. */
  maxClients?: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 20, windowMs: 5 * 60_000, maxClients: 10_000 };

/** Counts bad tokens per client address in a fixed window; a client over the limit waits for its window to end. */
export class LoginThrottle {
  private readonly clients = new Map<string, { failures: number; resetAt: number }>();

  constructor(private readonly o: ThrottleOptions = DEFAULT_THROTTLE, private readonly now: () => number = Date.now) {}

  /** Seconds until the client may try again, or 0 when it is not blocked. */
  retryAfter(client: string): number {
    const e = this.clients.get(client);
    if (!e) return 0;
    const t = this.now();
    if (t >= e.resetAt) { this.clients.delete(client); return 0; }
    return e.failures >= this.o.maxFailures ? Math.ceil((e.resetAt - t) / 1000) : 0;
  }

  fail(client: string): void {
    const t = this.now();
    const e = this.clients.get(client);
    if (e && t < e.resetAt) { e.failures++; return; }
    this.clients.delete(client);
    if (this.clients.size >= (this.o.maxClients ?? 10_000)) this.clients.delete(this.clients.keys().next().value!);
    this.clients.set(client, { failures: 1, resetAt: t + this.o.windowMs });
  }
}
