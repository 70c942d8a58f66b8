import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { SiteConfig } from '@hazwatch/protocols';
import { migrate, openSqlite } from './sqlite.ts';
import type { ConfigStore, SiteRevision, SiteRevisionSummary } from './config-store.ts';
import type { RevisionAudit } from '../audit/types.ts';

const SCHEMA = [
  `CREATE TABLE site_revisions (
     revision   INTEGER PRIMARY KEY,
     site       TEXT NOT NULL,
     text       TEXT NOT NULL,
     source     TEXT NOT NULL,
     changed_by TEXT NOT NULL,
     changed_at TEXT NOT NULL
   );`,
];

// Outside the numbered steps (IF NOT EXISTS) so that it cannot collide with steps others append.
const AUDIT_SCHEMA = `CREATE TABLE IF NOT EXISTS site_audits (
     revision    INTEGER PRIMARY KEY,
     audited_at  TEXT NOT NULL,
     regulation  TEXT NOT NULL,
     result      TEXT,
     error       TEXT
   );`;

type Row = { revision: number; site: string; text: string; source: string; changed_by: string; changed_at: string };

const fromRow = (r: Row): SiteRevision => ({
  revision: r.revision,
  site: JSON.parse(r.site) as SiteConfig,
  text: r.text,
  source: r.source,
  changedBy: r.changed_by,
  changedAt: r.changed_at,
});

/** `config.sqlite`: the revisions of the site configuration. */
export class SqliteConfigStore implements ConfigStore {
  private readonly db: Database.Database;

  constructor(opts: { dataDir: string }) {
    this.db = openSqlite(join(opts.dataDir, 'config.sqlite'));
    migrate(this.db, SCHEMA);
    this.db.exec(AUDIT_SCHEMA);
  }

  saveAudit(a: RevisionAudit): void {
    this.db
      .prepare(
        `INSERT INTO site_audits (revision, audited_at, regulation, result, error) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (revision) DO UPDATE SET audited_at = excluded.audited_at, regulation = excluded.regulation, result = excluded.result, error = excluded.error`,
      )
      .run(a.revision, a.auditedAt, a.regulation, a.result === null ? null : JSON.stringify(a.result), a.error);
  }

  getAudit(revision: number): RevisionAudit | undefined {
    const r = this.db.prepare('SELECT * FROM site_audits WHERE revision = ?').get(revision) as
      | { revision: number; audited_at: string; regulation: string; result: string | null; error: string | null }
      | undefined;
    return r && { revision: r.revision, auditedAt: r.audited_at, regulation: r.regulation, result: r.result === null ? null : (JSON.parse(r.result) as RevisionAudit['result']), error: r.error };
  }

  latest(): SiteRevision | undefined {
    const r = this.db.prepare('SELECT * FROM site_revisions ORDER BY revision DESC LIMIT 1').get() as Row | undefined;
    return r && fromRow(r);
  }

  get(revision: number): SiteRevision | undefined {
    const r = this.db.prepare('SELECT * FROM site_revisions WHERE revision = ?').get(revision) as Row | undefined;
    return r && fromRow(r);
  }

  list(): SiteRevisionSummary[] {
    const rows = this.db.prepare('SELECT revision, source, changed_by, changed_at FROM site_revisions ORDER BY revision DESC').all() as Row[];
    return rows.map((r) => ({ revision: r.revision, source: r.source, changedBy: r.changed_by, changedAt: r.changed_at }));
  }

  add(r: Omit<SiteRevision, 'revision'>): SiteRevision {
    return this.db.transaction(() => {
      const last = (this.db.prepare('SELECT MAX(revision) AS m FROM site_revisions').get() as { m: number | null }).m ?? 0;
      const revision = last + 1;
      this.db
        .prepare('INSERT INTO site_revisions (revision, site, text, source, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(revision, JSON.stringify(r.site), r.text, r.source, r.changedBy, r.changedAt);
      return { ...r, revision };
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
