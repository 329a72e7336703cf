import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '../errors.js';
import { COLUMNS, CREDENTIAL_COLUMNS, EDGE_UPSERT, filterSql, JSON_COLUMNS, jsonToDb, MIGRATIONS, rowToCredential, rowToEdge, rowToRecord, type EdgeCredentialRecord, type EdgeRecord, type ListFilter, type NewPlugin, type PluginPatch, type PluginRecord, type PluginSnapshot, type PluginStore } from './plugin-store.js';

function isUnique(e: unknown): boolean {
  return (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toDb(col: string, v: unknown): unknown {
  if (col === 'is_active') return v ? 1 : 0;
  if (JSON_COLUMNS.has(col)) return jsonToDb(col, v);
  return v;
}

/** SQLite (better-sqlite3, WAL) plugin store with a migrations table. */
export class SqliteStore implements PluginStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
  }

  /** Bumps the set version; the caller runs inside a transaction. */
  private bump(): number {
    this.db.prepare('UPDATE plugin_set SET version = version + 1 WHERE id = 1').run();
    return (this.db.prepare('SELECT version FROM plugin_set WHERE id = 1').get() as { version: number }).version;
  }

  async create(p: NewPlugin): Promise<PluginRecord> {
    const now = new Date().toISOString();
    try {
      const id = this.db.transaction(() => {
        const v = this.bump();
        return this.db.prepare(`INSERT INTO plugins (${COLUMNS.join(', ')}, created_at, updated_at, version) VALUES (${COLUMNS.map(() => '?').join(', ')}, ?, ?, ?)`)
          .run(...COLUMNS.map((c) => toDb(c, p[c])), now, now, v).lastInsertRowid;
      })();
      return (await this.get(Number(id)))!;
    } catch (e) {
      if (isUnique(e)) throw new StudioError({ code: 'STUDIO_SLUG_TAKEN', message: `a plugin with slug "${p.slug}" already exists`, details: { slug: p.slug } });
      throw e;
    }
  }

  async get(id: number): Promise<PluginRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM plugins WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? rowToRecord(r) : undefined;
  }

  async list(page: { limit: number; offset: number }, filter?: ListFilter): Promise<{ items: PluginRecord[]; total: number }> {
    const { where, args } = filterSql(filter, () => '?');
    const rows = this.db.prepare(`SELECT * FROM plugins${where} ORDER BY id LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as Array<Record<string, unknown>>;
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM plugins${where}`).get(...args) as { n: number }).n;
    return { items: rows.map(rowToRecord), total };
  }

  async all(): Promise<PluginRecord[]> {
    return (this.db.prepare('SELECT * FROM plugins ORDER BY id').all() as Array<Record<string, unknown>>).map(rowToRecord);
  }

  async update(id: number, patch: PluginPatch): Promise<PluginRecord | undefined> {
    const cols = COLUMNS.filter((c) => patch[c] !== undefined);
    if (cols.length > 0) {
      try {
        this.db.transaction(() => {
          if (!this.db.prepare('SELECT 1 FROM plugins WHERE id = ?').get(id)) return;
          this.db.prepare(`UPDATE plugins SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ?, version = ? WHERE id = ?`)
            .run(...cols.map((c) => toDb(c, patch[c])), new Date().toISOString(), this.bump(), id);
        })();
      } catch (e) {
        if (isUnique(e)) throw new StudioError({ code: 'STUDIO_SLUG_TAKEN', message: `a plugin with slug "${patch.slug}" already exists`, details: { slug: patch.slug } });
        throw e;
      }
    }
    return this.get(id);
  }

  async delete(id: number): Promise<boolean> {
    return this.db.transaction(() => {
      const gone = this.db.prepare('DELETE FROM plugins WHERE id = ?').run(id).changes > 0;
      if (gone) this.bump();
      return gone;
    })();
  }

  async touch(id: number): Promise<PluginRecord | undefined> {
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM plugins WHERE id = ?').get(id)) this.db.prepare('UPDATE plugins SET version = ? WHERE id = ?').run(this.bump(), id);
    })();
    return this.get(id);
  }

  async snapshot(): Promise<PluginSnapshot> {
    return this.db.transaction(() => ({
      version: (this.db.prepare('SELECT version FROM plugin_set WHERE id = 1').get() as { version: number }).version,
      plugins: (this.db.prepare('SELECT * FROM plugins ORDER BY id').all() as Array<Record<string, unknown>>).map(rowToRecord),
    }))();
  }

  async recordEdge(e: EdgeRecord): Promise<void> {
    this.db.prepare(EDGE_UPSERT(() => '?')).run(e.id, e.applied_version, e.status, e.last_seen);
  }

  async listEdges(): Promise<EdgeRecord[]> {
    return (this.db.prepare('SELECT * FROM edges ORDER BY id').all() as Array<Record<string, unknown>>).map(rowToEdge);
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM plugins').get() as { n: number }).n;
  }

  async createCredential(name: string, tokenHash: string): Promise<EdgeCredentialRecord> {
    const info = this.db.prepare('INSERT INTO edge_credentials (name, token_hash, created_at) VALUES (?, ?, ?)').run(name, tokenHash, new Date().toISOString());
    return rowToCredential(this.db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM edge_credentials WHERE id = ?`).get(Number(info.lastInsertRowid)) as Record<string, unknown>);
  }

  async listCredentials(): Promise<EdgeCredentialRecord[]> {
    return (this.db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM edge_credentials ORDER BY id`).all() as Array<Record<string, unknown>>).map(rowToCredential);
  }

  async credentialByHash(tokenHash: string): Promise<EdgeCredentialRecord | undefined> {
    const r = this.db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM edge_credentials WHERE token_hash = ? AND revoked_at IS NULL`).get(tokenHash) as Record<string, unknown> | undefined;
    return r ? rowToCredential(r) : undefined;
  }

  async revokeCredential(id: number): Promise<boolean> {
    return this.db.prepare('UPDATE edge_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
