import type { DatabaseSettings } from '@plugway/config';
import type { PluginStore } from './plugin-store.js';
import { SqliteStore } from './sqlite-store.js';

/** Opens the store the settings select (Postgres is loaded only when asked for). */
export async function openStore(db: DatabaseSettings): Promise<PluginStore> {
  if (db.kind === 'postgres') {
    const { PostgresStore } = await import('./postgres-store.js');
    return PostgresStore.open(db.url);
  }
  return new SqliteStore(db.path);
}
