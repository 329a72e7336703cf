import pg from 'pg';
import { backoffDelay } from '@plugway/core';
import { StudioError } from '../errors.js';
import { COLUMNS, CREDENTIAL_COLUMNS, EDGE_UPSERT, filterSql, JSON_COLUMNS, jsonToDb, MIGRATIONS, rowToCredential, rowToEdge, rowToRecord, type EdgeCredentialRecord, type EdgeRecord, type ListFilter, type NewPlugin, type PluginPatch, type PluginRecord, type PluginSnapshot, type PluginStore } from './plugin-store.js';

const isUnique = (e: unknown): boolean => (e as { code?: string })?.code === '23505';
const toDb = (col: string, v: unknown): unknown => (JSON_COLUMNS.has(col) ? jsonToDb(col, v) : v);

/** The NOTIFY channel every write announces itself on (payload: the new plugin-set version). */
const CHANNEL = 'plugway_plugins';

/** PostgreSQL plugin store (pg Pool), same schema and migrations table as SQLite; replicas share it. */
export class PostgresStore implements PluginStore {
  readonly kind = 'postgres' as const;
  private closed = false;
  private readonly watchers = new Set<() => void>();
  private listener: pg.Client | undefined;

  private constructor(private readonly pool: pg.Pool, private readonly url: string) {
    // A broken idle connection (the database restarted) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
  }

  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 5_000 });
    const s = new PostgresStore(pool, url);
    try {
      await s.migrate();
    } catch (e) {
      await pool.end();
      throw e;
    }
    return s;
  }

  /** Runs `fn` in a transaction that bumps the set version first and announces it on commit. */
  private async write<T>(fn: (c: pg.PoolClient, version: number) => Promise<T>, changed: (r: T) => boolean = () => true): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const v = Number((await c.query<{ version: number }>('UPDATE plugin_set SET version = version + 1 WHERE id = 1 RETURNING version')).rows[0]!.version);
      const out = await fn(c, v);
      if (changed(out)) {
        await c.query('SELECT pg_notify($1, $2)', [CHANNEL, String(v)]);
        await c.query('COMMIT');
      } else {
        await c.query('ROLLBACK');
      }
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  watch(onChange: () => void): () => void {
    this.watchers.add(onChange);
    if (this.watchers.size === 1) void this.listen(0);
    return () => { this.watchers.delete(onChange); };
  }

  // One dedicated connection LISTENs; when it breaks (database restart, network) it reconnects with a growing delay,
  // and every watcher is told after a reconnect because notifications sent meanwhile are lost.
  private async listen(attempt: number): Promise<void> {
    if (this.closed || this.watchers.size === 0) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    let retried = false;
    const retry = (): void => {
      if (retried) return;
      retried = true;
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen(attempt + 1), backoffDelay(attempt, 100, 2_000)).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => { for (const w of this.watchers) w(); });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      retry();
      return;
    }
    if (this.closed) { await client.end().catch(() => undefined); return; }
    this.listener = client;
    attempt = 0;
    for (const w of this.watchers) w();
  }

  private async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(727274)');
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query('BEGIN');
        await c.query(m.sql.replace('id INTEGER PRIMARY KEY', 'id SERIAL PRIMARY KEY'));
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
        await c.query('COMMIT');
      }
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await c.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
      c.release();
    }
  }

  async create(p: NewPlugin): Promise<PluginRecord> {
    const now = new Date().toISOString();
    try {
      return await this.write(async (c, v) => {
        const r = await c.query(`INSERT INTO plugins (${COLUMNS.join(', ')}, created_at, updated_at, version) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, $${COLUMNS.length + 1}, $${COLUMNS.length + 2}, $${COLUMNS.length + 3}) RETURNING *`,
          [...COLUMNS.map((col) => toDb(col, p[col])), now, now, v]);
        return rowToRecord(r.rows[0]);
      });
    } catch (e) {
      if (isUnique(e)) throw new StudioError({ code: 'STUDIO_SLUG_TAKEN', message: `a plugin with slug "${p.slug}" already exists`, details: { slug: p.slug } });
      throw e;
    }
  }

  async get(id: number): Promise<PluginRecord | undefined> {
    const r = await this.pool.query('SELECT * FROM plugins WHERE id = $1', [id]);
    return r.rows[0] ? rowToRecord(r.rows[0]) : undefined;
  }

  async list(page: { limit: number; offset: number }, filter?: ListFilter): Promise<{ items: PluginRecord[]; total: number }> {
    const { where, args } = filterSql(filter, (i) => `$${i}`);
    const r = await this.pool.query(`SELECT * FROM plugins${where} ORDER BY id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`, [...args, page.limit, page.offset]);
    const n = await this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM plugins${where}`, args);
    return { items: r.rows.map(rowToRecord), total: Number(n.rows[0]!.n) };
  }

  async all(): Promise<PluginRecord[]> {
    return (await this.pool.query('SELECT * FROM plugins ORDER BY id')).rows.map(rowToRecord);
  }

  async update(id: number, patch: PluginPatch): Promise<PluginRecord | undefined> {
    const cols = COLUMNS.filter((c) => patch[c] !== undefined);
    if (cols.length > 0) {
      try {
        await this.write((c, v) => c.query(`UPDATE plugins SET ${cols.map((col, i) => `${col} = $${i + 1}`).join(', ')}, updated_at = $${cols.length + 1}, version = $${cols.length + 2} WHERE id = $${cols.length + 3}`,
          [...cols.map((col) => toDb(col, patch[col])), new Date().toISOString(), v, id]), (r) => (r.rowCount ?? 0) > 0);
      } catch (e) {
        if (isUnique(e)) throw new StudioError({ code: 'STUDIO_SLUG_TAKEN', message: `a plugin with slug "${patch.slug}" already exists`, details: { slug: patch.slug } });
        throw e;
      }
    }
    return this.get(id);
  }

  async delete(id: number): Promise<boolean> {
    return this.write(async (c) => ((await c.query('DELETE FROM plugins WHERE id = $1', [id])).rowCount ?? 0) > 0, (gone) => gone);
  }

  async touch(id: number): Promise<PluginRecord | undefined> {
    const r = await this.write((c, v) => c.query('UPDATE plugins SET version = $1 WHERE id = $2 RETURNING *', [v, id]), (res) => (res.rowCount ?? 0) > 0);
    return r.rows[0] ? rowToRecord(r.rows[0]) : undefined;
  }

  async snapshot(): Promise<PluginSnapshot> {
    // One statement sees one snapshot: the set version and exactly the rows it counts.
    const r = await this.pool.query('SELECT s.version AS set_version, p.* FROM plugin_set s LEFT JOIN plugins p ON true WHERE s.id = 1 ORDER BY p.id');
    return { version: Number(r.rows[0]?.set_version ?? 0), plugins: r.rows.filter((row) => row.id !== null).map(rowToRecord) };
  }

  async recordEdge(e: EdgeRecord): Promise<void> {
    await this.pool.query(EDGE_UPSERT((i) => `$${i}`), [e.id, e.applied_version, e.status, e.last_seen]);
  }

  async listEdges(): Promise<EdgeRecord[]> {
    return (await this.pool.query('SELECT * FROM edges ORDER BY id')).rows.map(rowToEdge);
  }

  async count(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM plugins')).rows[0]!.n);
  }

  async createCredential(name: string, tokenHash: string): Promise<EdgeCredentialRecord> {
    const r = await this.pool.query(`INSERT INTO edge_credentials (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING ${CREDENTIAL_COLUMNS}`, [name, tokenHash, new Date().toISOString()]);
    return rowToCredential(r.rows[0]);
  }

  async listCredentials(): Promise<EdgeCredentialRecord[]> {
    return (await this.pool.query(`SELECT ${CREDENTIAL_COLUMNS} FROM edge_credentials ORDER BY id`)).rows.map(rowToCredential);
  }

  async credentialByHash(tokenHash: string): Promise<EdgeCredentialRecord | undefined> {
    const r = await this.pool.query(`SELECT ${CREDENTIAL_COLUMNS} FROM edge_credentials WHERE token_hash = $1 AND revoked_at IS NULL`, [tokenHash]);
    return r.rows[0] ? rowToCredential(r.rows[0]) : undefined;
  }

  async revokeCredential(id: number): Promise<boolean> {
    return ((await this.pool.query('UPDATE edge_credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [new Date().toISOString(), id])).rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
