import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens (creating when needed) a SQLite file in WAL mode. `synchronous = FULL` because a batch is
 * acknowledged to the broker only after its transaction commits: the commit must survive power loss.
 *
 * `cacheKiB` bounds the connection's page cache. SQLite's default (2,000 KiB) filled on every file of a
 * large site and stayed: at 10,000 workshops, bounding the other files' caches took the memory glibc
 * had in use at idle from 32.6 to 15.6 MB (issue 10; less page memory, and less of the heap split
 * around it). Only telemetry's group commit revisits many pages; the other files read a page rarely,
 * and then from the OS page cache.
 */
export function openSqlite(file: string, opts: { cacheKiB?: number } = {}): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another process (a backup, an export) may hold a read lock briefly.
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${opts.cacheKiB ?? 256}`);
  return db;
}

/**
 * Applies numbered schema steps once each, tracked with `user_version`. Each step's transaction takes
 * the write lock first and reads the version again inside it: the server and a CLI command opening an
 * older file at the same moment must not both apply a step (an `ADD COLUMN` twice fails).
 */
export function migrate(db: Database.Database, steps: string[]): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  while (version() < steps.length) {
    db.transaction(() => {
      const v = version();
      if (v >= steps.length) return;
      db.exec(steps[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
