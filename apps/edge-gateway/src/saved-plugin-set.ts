// The last plugin set the edge received from the studio, kept in its data dir so that a restart while the studio is
// unreachable starts with those plugins instead of none. Written atomically (temp file + fsync + rename).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pluginSpecSchema, type PluginSpecInput } from '@plugway/runtime';
import { z } from 'zod';

const FILE = 'plugin-set.json';

const savedSchema = z.object({
  version: z.number().int().nonnegative(),
  receivedAt: z.iso.datetime(),
  plugins: z.array(pluginSpecSchema),
}).strict();

export interface SavedPluginSet { version: number; receivedAt: string; plugins: PluginSpecInput[] }

export async function savePluginSet(dir: string, set: SavedPluginSet): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, FILE);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(set));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The saved set, or undefined when there is none or it does not validate (never half a set). */
export async function loadPluginSet(dir: string): Promise<SavedPluginSet | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const r = savedSchema.safeParse(raw);
  return r.success ? r.data : undefined;
}
