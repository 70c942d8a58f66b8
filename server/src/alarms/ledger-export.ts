import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ledgerLine } from './chain.ts';
import { rowToEvent } from '../storage/sqlite-alarms.ts';

export class LedgerExportError extends Error {}

/**
 * Writes the ledger of `dataDir/alarms.sqlite` as JSON lines, one canonical event per line, read from
 * one consistent snapshot (the database opened read-only, so a running platform keeps writing).
 * Returns the number of events and the head hash (to note down: it lets `verify --head` notice lines
 * cut off the end).
 */
export function exportLedger(dataDir: string, write: (chunk: string) => void): { events: number; head: string | null } {
  const file = join(dataDir, 'alarms.sqlite');
  if (!existsSync(file)) throw new LedgerExportError(`no alarm ledger at ${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const columns = new Set((db.prepare('PRAGMA table_info(alarm_events)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('hash')) throw new LedgerExportError(`${file} predates the hash-chained ledger: start hazwatch serve once on it to chain its events`);
    let events = 0;
    let head: string | null = null;
    let buffer = '';
    db.exec('BEGIN');
    try {
      for (const row of db.prepare('SELECT * FROM alarm_events ORDER BY seq').iterate() as Iterable<Parameters<typeof rowToEvent>[0]>) {
        const { hash, ...chained } = rowToEvent(row);
        buffer += `${ledgerLine(chained, hash)}\n`;
        if (buffer.length > 1 << 16) {
          write(buffer);
          buffer = '';
        }
        events++;
        head = hash;
      }
    } finally {
      db.exec('COMMIT');
    }
    if (buffer) write(buffer);
    return { events, head };
  } finally {
    db.close();
  }
}
