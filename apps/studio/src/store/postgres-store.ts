import pg from 'pg';
import { StudioError } from '../errors.js';
import { COLUMNS, CREDENTIAL_COLUMNS, filterSql, rowToCredential, type EdgeCredentialRecord, JSON_COLUMNS, MIGRATIONS, rowToRecord, type NewPlugin, type PluginPatch, type ListFilter, type PluginRecord, type PluginStore } from './plugin-store.js';

const isUnique = (e: unknown): boolean => (e as { code?: string })?.code === '23505';
const toDb = (col: string, v: unknown): unknown => (JSON_COLUMNS.has(col) ? JSON.stringify(v ?? {}) : v);

/** PostgreSQL plugin store (pg Pool), same schema and migrations table as SQLite. */
export class PostgresStore implements PluginStore {
  readonly kind = 'postgres' as const;
  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    const s = new PostgresStore(pool);
    await s.migrate();
    return s;
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
      const r = await this.pool.query(`INSERT INTO plugins (${COLUMNS.join(', ')}, created_at, updated_at) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, $${COLUMNS.length + 1}, $${COLUMNS.length + 2}) RETURNING *`,
        [...COLUMNS.map((c) => toDb(c, p[c])), now, now]);
      return rowToRecord(r.rows[0]);
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
        await this.pool.query(`UPDATE plugins SET ${cols.map((c, i) => `${c} = $${i + 1}`).join(', ')}, updated_at = $${cols.length + 1} WHERE id = $${cols.length + 2}`,
          [...cols.map((c) => toDb(c, patch[c])), new Date().toISOString(), id]);
      } catch (e) {
        if (isUnique(e)) throw new StudioError({ code: 'STUDIO_SLUG_TAKEN', message: `a plugin with slug "${patch.slug}" already exists`, details: { slug: patch.slug } });
        throw e;
      }
    }
    return this.get(id);
  }

  async delete(id: number): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM plugins WHERE id = $1', [id])).rowCount ?? 0) > 0;
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
    await this.pool.end();
  }
}
