// AI Studio's `checksum`: the sha256 a plugin's file or OCI artifact must have, checked before the plugin runs.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { CheckResult, OciPuller } from '@plugway/runtime';
import { StudioError } from './errors.js';

async function sha256File(path: string): Promise<string | undefined> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch {
    return undefined; // unreadable: the runtime reports why it cannot start it
  }
  return h.digest('hex');
}

function mismatch(expected: string, actual: string): StudioError {
  return new StudioError({ code: 'STUDIO_CHECKSUM_MISMATCH', message: `the plugin's sha256 is ${actual}, not the checksum ${expected}`, details: { expected, actual } });
}

/**
 * Checks `checksum` (hex sha256) against a file:// plugin's bytes before it runs; an oci:// plugin's binary is checked
 * by checkedPuller right after the pull, before launch.
 * @throws StudioError STUDIO_CHECKSUM_MISMATCH, STUDIO_VALIDATION_FAILED (grpc:// has nothing to check)
 */
export async function checkChecksum(command: CheckResult['command'], checksum: string | null): Promise<void> {
  if (checksum === null) return;
  if (command.scheme === 'grpc') {
    throw new StudioError({ code: 'STUDIO_VALIDATION_FAILED', message: 'a grpc:// plugin has no file or artifact to check a checksum against', details: { issues: [{ path: 'checksum', code: 'custom', message: 'not for grpc://' }] } });
  }
  if (command.scheme === 'file') {
    const actual = await sha256File(command.path);
    if (actual !== undefined && actual !== checksum) throw mismatch(checksum, actual);
  }
}

/** Expected checksums of oci:// commands (by command text), filled by the plugin service before it registers. */
export type ChecksumBook = Map<string, string>;

/** Wraps the runtime's OCI puller: a pulled binary whose sha256 differs from the command's checksum never launches. */
export function checkedPuller(inner: OciPuller, book: ChecksumBook): OciPuller {
  return async (cmd, opts) => {
    const pulled = await inner(cmd, opts);
    const expected = book.get(cmd.raw);
    if (expected !== undefined && pulled.digest !== `sha256:${expected}`) throw mismatch(expected, pulled.digest);
    return pulled;
  };
}
