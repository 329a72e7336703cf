// The header `plugway package` writes at the top of a bundled plugin, and `plugway push` reads back: the file stays
// one runnable script (`#!/usr/bin/env node`), and the second line says which runtime the host must provide.
import * as z from 'zod/mini';

export const PACKAGE_SHEBANG = '#!/usr/bin/env node';
const MARKER = '// plugway-package ';

/** The Node version a packaged plugin needs at least: module-syntax detection (an extensionless ESM file) is on by default from 20.19. */
export const MIN_NODE_VERSION = '20.19.0';

// zod/mini: push and package load this, and classic zod alone would add ~20 ms to their start.
const headerSchema = z.strictObject({
  runtime: z.literal('node'),
  minNodeVersion: z.string().check(z.regex(/^\d+\.\d+\.\d+$/)),
});

export type PackageHeader = z.infer<typeof headerSchema>;

export function formatPackageHeader(h: PackageHeader): string {
  return `${PACKAGE_SHEBANG}\n${MARKER}${JSON.stringify(h)}\n`;
}

/** The header of a packaged plugin, or undefined when `head` (the file's first bytes) does not start with one. */
export function readPackageHeader(head: Buffer): PackageHeader | undefined {
  const [first, second] = head.toString('utf8').split('\n', 2);
  if (first !== PACKAGE_SHEBANG || !second?.startsWith(MARKER)) return undefined;
  let json: unknown;
  try { json = JSON.parse(second.slice(MARKER.length)); } catch { return undefined; }
  const parsed = headerSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
