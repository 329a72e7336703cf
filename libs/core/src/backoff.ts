/**
 * Exponential backoff without jitter: `baseMs · 2^attempt`, never more than `maxMs` (attempt 0 → `baseMs`).
 * The one formula the retry and restart loops share; callers that want jitter or Retry-After apply it on top.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}
