// The hash-chained ledger on a real SQLite file: append-only, export as JSON lines, offline verify.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import { GENESIS, verifyLedger } from '../src/alarms/chain.ts';
import { exportLedger } from '../src/alarms/ledger-export.ts';
import { main } from '../src/cli/main.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { tempDir } from './helpers.ts';

const T0 = Date.parse('2026-03-02T01:00:00Z');

function record(id: string, over: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    id, type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: { workshopId: 'ws-a' }, value: 3, peak: 3, limit: 2,
    since: new Date(T0).toISOString(), raisedAt: new Date(T0 + 1000).toISOString(), escalatedAt: null, clearedAt: null, clearReason: null,
    detectedAt: new Date(T0 + 1000).toISOString(), late: false, configRevision: 1, ...over,
  };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
}

/** A small ledger with every kind of content: engine transitions, handling in Chinese, a gap-free chain. */
async function fill(store: SqliteAlarmStore): Promise<void> {
  await store.append([{ kind: 'raised', at: new Date(T0 + 1000).toISOString(), alarm: record('al-1') }]);
  await store.append([{ kind: 'raised', at: new Date(T0 + 2000).toISOString(), alarm: record('al-2', { type: 'over-quantity', value: 612.5, peak: 612.5, limit: 500 }) }]);
  await store.write((tx) => {
    const a = tx.get('al-1')!;
    tx.append({ kind: 'acknowledged', at: new Date(T0 + 3000).toISOString(), alarm: { ...a, acknowledgedAt: new Date(T0 + 3000).toISOString(), acknowledgedBy: '张工' }, by: '张工', detail: { comment: '已通知班长，人员正在撤离' } });
  });
  // The engine knows nothing of the acknowledgement; the ledger keeps it on the cleared record.
  await store.append([{ kind: 'cleared', at: new Date(T0 + 9000).toISOString(), alarm: record('al-1', { clearedAt: new Date(T0 + 9000).toISOString(), clearReason: 'condition-ended' }) }]);
  await store.write((tx) => {
    const a = tx.get('al-1')!;
    tx.append({ kind: 'closed', at: new Date(T0 + 20_000).toISOString(), alarm: { ...a, closedAt: new Date(T0 + 20_000).toISOString(), closedBy: '李主任', rectification: '调整排班，定员 2 人' }, by: '李主任', detail: { rectification: '调整排班，定员 2 人' } });
  });
}

describe('alarm ledger', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  function open(dir: string) {
    let t = T0 + 100_000;
    const store = new SqliteAlarmStore({ dataDir: dir, now: () => (t += 1000) });
    cleanups.push(() => store.close());
    return store;
  }

  it('chains every event to the one before, keeps handling across engine transitions, and refuses updates and deletes', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const store = open(tmp.dir);
    await fill(store);
    const events = [...store.iterateLedger()];
    expect(events.map((e) => [e.seq, e.kind, e.alarmId])).toEqual([
      [1, 'raised', 'al-1'], [2, 'raised', 'al-2'], [3, 'acknowledged', 'al-1'], [4, 'cleared', 'al-1'], [5, 'closed', 'al-1'],
    ]);
    expect(events[0]!.prev).toBe(GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prev).toBe(events[i - 1]!.hash);
    expect(events[3]!.alarm).toMatchObject({ clearedAt: expect.any(String), acknowledgedBy: '张工' });
    expect(await store.get('al-1')).toMatchObject({ closedBy: '李主任', acknowledgedBy: '张工', rectification: '调整排班，定员 2 人' });
    expect(await store.ledgerHead()).toEqual({ seq: 5, hash: events[4]!.hash });

    const db = new Database(store.file);
    cleanups.push(() => void db.close());
    expect(() => db.prepare("UPDATE alarm_events SET kind = 'cleared' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM alarm_events WHERE seq = 5').run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM alarms WHERE id = 'al-1'").run()).toThrow(/never deleted/);
  });

  it('exports JSON lines that verify, and editing any byte makes verify fail at that event', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const store = open(tmp.dir);
    await fill(store);
    let text = '';
    const r = exportLedger(tmp.dir, (c) => (text += c));
    expect(r.events).toBe(5);
    expect(verifyLedger(text)).toEqual({ ok: true, events: 5, head: r.head });

    const bytes = Buffer.from(text, 'utf8');
    // Which line (1-based) each byte belongs to; a newline belongs to the line it ends.
    const lineOf: number[] = [];
    let line = 1;
    for (const b of bytes) {
      lineOf.push(line);
      if (b === 0x0a) line++;
    }
    for (let i = 0; i < bytes.length; i++) {
      const edited = Buffer.from(bytes);
      edited[i] = edited[i]! ^ 0x01;
      const v = verifyLedger(edited.toString('utf8'));
      if (v.ok || v.line !== lineOf[i]) throw new Error(`editing byte ${i} (line ${lineOf[i]}): ${JSON.stringify(v)}`);
    }

    // Lines removed, swapped or cut off the end.
    const lines = text.trimEnd().split('\n');
    expect(verifyLedger([lines[0], lines[2], lines[3], lines[4]].join('\n') + '\n')).toMatchObject({ ok: false, line: 2, seq: 3 });
    expect(verifyLedger([lines[1], lines[0], ...lines.slice(2)].join('\n') + '\n')).toMatchObject({ ok: false, line: 1, seq: 2 });
    expect(verifyLedger(lines.slice(0, 4).join('\n') + '\n', r.head!)).toMatchObject({ ok: false, reason: expect.stringContaining('missing at the end') });
    // A consistent forgery still needs every later hash rewritten: the head no longer matches.
    expect(verifyLedger(text, 'f'.repeat(64))).toMatchObject({ ok: false });
  });

  it('hazwatch ledger export and verify through the CLI: exit 0 when intact, 1 naming the broken event', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const store = open(tmp.dir);
    await fill(store);
    const file = join(tmp.dir, 'ledger.jsonl');
    const ex = capture();
    expect(await main(['ledger', 'export', '--data-dir', tmp.dir, '--output', file], ex.io)).toBe(0);
    const head = /head ([0-9a-f]{64})/.exec(ex.err.join(''))?.[1];
    expect(head).toBe((await store.ledgerHead())!.hash);

    const ok = capture();
    expect(await main(['ledger', 'verify', file, '--head', head!], ok.io)).toBe(0);
    expect(ok.out.join('')).toContain('ledger intact: 5 events');

    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('调整排班，定员 2 人', '调整排班，定员 3 人'));
    const bad = capture();
    expect(await main(['ledger', 'verify', file], bad.io)).toBe(1);
    expect(bad.out.join('')).toMatch(/BROKEN at line 5 \(event seq 5\): its hash does not match/);

    const stdout = capture();
    expect(await main(['ledger', 'export', '--data-dir', tmp.dir], stdout.io)).toBe(0);
    expect(stdout.out.join('')).toBe(text);
    const missing = capture();
    expect(await main(['ledger', 'export', '--data-dir', join(tmp.dir, 'nowhere')], missing.io)).toBe(1);
    expect(missing.err.join('')).toContain('no alarm ledger');
    expect(await main(['ledger', 'verify'], capture().io)).toBe(2);
  });

  it('chains the events of a ledger written before hashing existed, once, when it is opened', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    // alarms.sqlite as the earlier version left it: schema steps 1–2, events without hashes.
    const old = new Database(join(tmp.dir, 'alarms.sqlite'));
    old.exec(`CREATE TABLE alarms (id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, raised_at TEXT NOT NULL, cleared_at TEXT, record TEXT NOT NULL);
      CREATE TABLE alarm_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, alarm_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, record TEXT NOT NULL);
      CREATE TABLE engine_state (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, saved_at TEXT NOT NULL, snapshot TEXT NOT NULL);`);
    const a = record('al-old');
    old.prepare('INSERT INTO alarms VALUES (?, ?, ?, NULL, ?)').run(a.id, a.enterpriseId, a.raisedAt, JSON.stringify(a));
    old.prepare('INSERT INTO alarm_events (alarm_id, kind, at, record) VALUES (?, ?, ?, ?)').run(a.id, 'raised', a.raisedAt, JSON.stringify(a));
    old.pragma('user_version = 2');
    old.close();

    const store = open(tmp.dir);
    await store.append([{ kind: 'cleared', at: new Date(T0 + 5000).toISOString(), alarm: { ...a, clearedAt: new Date(T0 + 5000).toISOString() } }]);
    let text = '';
    exportLedger(tmp.dir, (c) => (text += c));
    expect(verifyLedger(text)).toMatchObject({ ok: true, events: 2 });
    expect(await store.list({ state: 'all', types: ['over-staffing'], workshopId: 'ws-a' })).toHaveLength(1);
  });
});
