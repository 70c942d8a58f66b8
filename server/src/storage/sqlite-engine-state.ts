import type Database from 'better-sqlite3';
import { applyDelta, type EngineDelta } from '../engine/index.ts';
import type { EngineStateDelta, EngineStateSlices, SavedEngineState } from './alarm-store.ts';

/**
 * The rule engine's saved state in `alarms.sqlite` (tables made by its schema): the last full snapshot
 * (`engine_state`), the deltas laid over it in `seq` order (`engine_deltas`; `engine_trackers` holds
 * those of earlier versions, laid over first), and slices of either written ahead (`engine_slices`,
 * numbered by the save they belong to). A state is saved inside the caller's transaction, with the
 * alarm events it explains, or not at all; slices written ahead of it are part of no state until then.
 */
export class SqliteEngineState {
  private readonly st: ReturnType<typeof statements>;
  /** Slices being written whose save has not come yet: no full save may delete them. */
  private readonly open = new Set<number>();
  private nextStage: number;

  /** `bufferChars`: slices are written once this much of them is waiting (and what is left with the save). */
  constructor(
    private readonly db: Database.Database,
    readonly bufferChars = 256 * 1024,
  ) {
    this.st = statements(db);
    // Slices of a save that never came (the process stopped before it) belong to nothing.
    db.exec(`DELETE FROM engine_slices WHERE stage NOT IN
               (SELECT slices FROM engine_state WHERE slices IS NOT NULL UNION SELECT slices FROM engine_deltas WHERE slices IS NOT NULL)`);
    const last = db
      .prepare('SELECT max(n) FROM (SELECT max(stage) AS n FROM engine_slices UNION ALL SELECT max(slices) FROM engine_state UNION ALL SELECT max(slices) FROM engine_deltas)')
      .pluck()
      .get() as number | null;
    this.nextStage = (last ?? 0) + 1;
  }

  stage(): EngineStateSlices {
    const id = this.nextStage++;
    this.open.add(id);
    return new StagedSlices(this, id);
  }

  /** Writes `state` (inside a transaction); returns what to call once that transaction has committed. */
  saveSync(state: SavedEngineState | EngineStateDelta): () => void {
    const { revision, savedAt, slices, complete, ...rest } = state as EngineStateDelta & { snapshot?: unknown };
    const staged = slices === undefined ? undefined : this.owned(slices);
    staged?.flushSync();
    const stage = staged?.id ?? null;
    if ('snapshot' in state) {
      this.st.saveState.run(revision, savedAt, JSON.stringify(state.snapshot), stage);
      this.st.clearTrackers.run();
      this.st.clearDeltas.run();
      // What the last state was made of goes with it; slices still being written for a later save stay.
      this.st.dropSlices.run(JSON.stringify([...this.open]));
    } else {
      // A complete capture with the revision it was captured under (a revision's own save is one: the
      // state laid up to it is that revision's); no delta with its time (the snapshot's counts). The
      // row of the snapshot is not updated instead: it holds the whole snapshot, and would be written again.
      this.st.saveDelta.run(JSON.stringify(complete ? { revision, ...rest } : rest), stage);
    }
    return () => staged?.saved();
  }

  /** After a failed transaction: slices flushed within it were rolled back, so the rest cannot serve. */
  failed(state: SavedEngineState | EngineStateDelta): void {
    if (state.slices instanceof StagedSlices && state.slices.store === this) state.slices.discard();
  }

  load(): SavedEngineState | undefined {
    const row = this.st.loadState.get() as { revision: number; saved_at: string; snapshot: string; slices: number | null } | undefined;
    if (!row) return undefined;
    const snapshot = JSON.parse(row.snapshot) as SavedEngineState['snapshot'];
    this.layStaged(snapshot, row.slices);
    const trackers: EngineDelta['trackers'] = {};
    for (const r of this.st.loadTrackers.all() as { key: string; state: string }[]) trackers[r.key] = JSON.parse(r.state) as EngineDelta['trackers'][string];
    applyDelta(snapshot, { trackers });
    let revision = row.revision;
    for (const r of this.st.loadDeltas.all() as { delta: string; slices: number | null }[]) {
      // (Deltas saved before they carried their revision were all of the snapshot's.)
      const delta = JSON.parse(r.delta) as EngineDelta & { revision?: number };
      applyDelta(snapshot, delta);
      this.layStaged(snapshot, r.slices);
      if (delta.revision !== undefined) revision = delta.revision;
    }
    return { revision, savedAt: row.saved_at, snapshot };
  }

  /** Called by StagedSlices. */
  writeSlices(stage: number, slices: readonly string[]): void {
    const write = this.db.transaction(() => {
      for (const s of slices) this.st.addSlice.run(stage, s);
    });
    // Inside the save's transaction: written (and synced) with it.
    if (this.db.inTransaction) return write();
    // Slices ahead of their save need not be durable on their own: nothing loads them before the save,
    // whose commit syncs the log they are in (WAL frames are synced in order). Without a sync of their
    // own a flush costs ~1 ms instead of ~8; checkpoints still sync (NORMAL, unlike OFF), so what
    // earlier saves committed stays as safe as it was.
    this.db.pragma('synchronous = NORMAL');
    try {
      write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Called by StagedSlices. */
  dropStage(stage: number, rows: boolean): void {
    this.open.delete(stage);
    if (rows && this.db.open) this.st.dropStage.run(stage);
  }

  private layStaged(snapshot: SavedEngineState['snapshot'], stage: number | null): void {
    if (stage === null) return;
    for (const s of this.st.loadSlices.iterate(stage) as IterableIterator<string>) applyDelta(snapshot, JSON.parse(s) as EngineDelta);
  }

  private owned(slices: EngineStateSlices): StagedSlices {
    if (!(slices instanceof StagedSlices) || slices.store !== this) throw new Error('engine-state slices are saved by the store that staged them');
    if (!slices.isOpen) throw new Error('these engine-state slices were already saved or discarded');
    return slices;
  }
}

/**
 * Buffered: slices are written `bufferChars` at a time (each write a transaction of its own, without a
 * sync of its own: the save's commit syncs them), and what is left with the save's transaction.
 */
class StagedSlices implements EngineStateSlices {
  private buffer: string[] = [];
  private chars = 0;
  private state: 'open' | 'saved' | 'discarded' = 'open';

  constructor(
    readonly store: SqliteEngineState,
    readonly id: number,
  ) {}

  get isOpen(): boolean {
    return this.state === 'open';
  }

  add(json: string): void {
    if (this.state !== 'open') throw new Error('these engine-state slices were already saved or discarded');
    this.buffer.push(json);
    this.chars += json.length;
    if (this.chars >= this.store.bufferChars) this.flushSync();
  }

  flushSync(): void {
    if (this.buffer.length === 0) return;
    const out = this.buffer;
    this.buffer = [];
    this.chars = 0;
    this.store.writeSlices(this.id, out);
  }

  saved(): void {
    this.state = 'saved';
    this.buffer = [];
    this.store.dropStage(this.id, false);
  }

  discard(): void {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    this.buffer = [];
    this.store.dropStage(this.id, true);
  }
}

function statements(db: Database.Database) {
  return {
    saveState: db.prepare(
      `INSERT INTO engine_state (id, revision, saved_at, snapshot, slices) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, saved_at = excluded.saved_at, snapshot = excluded.snapshot, slices = excluded.slices`,
    ),
    loadState: db.prepare('SELECT revision, saved_at, snapshot, slices FROM engine_state WHERE id = 1'),
    clearTrackers: db.prepare('DELETE FROM engine_trackers'),
    loadTrackers: db.prepare('SELECT key, state FROM engine_trackers'),
    saveDelta: db.prepare('INSERT INTO engine_deltas (delta, slices) VALUES (?, ?)'),
    clearDeltas: db.prepare('DELETE FROM engine_deltas'),
    loadDeltas: db.prepare('SELECT delta, slices FROM engine_deltas ORDER BY seq'),
    addSlice: db.prepare('INSERT INTO engine_slices (stage, slice) VALUES (?, ?)'),
    loadSlices: db.prepare('SELECT slice FROM engine_slices WHERE stage = ? ORDER BY id').pluck(),
    dropStage: db.prepare('DELETE FROM engine_slices WHERE stage = ?'),
    dropSlices: db.prepare('DELETE FROM engine_slices WHERE stage NOT IN (SELECT value FROM json_each(?))'),
  };
}
