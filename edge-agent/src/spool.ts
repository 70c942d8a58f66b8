// The disk spool: every batch is written here before it is sent and removed once the broker has
// acknowledged it (PUBACK), so batches survive a broker outage and an agent restart and are replayed in
// seq order. One file per batch keeps append and remove atomic without a log format to recover.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './durable-file.ts';

const NAME = /^(\d{16})\.json$/;
/** The count of batches ever dropped: it survives restarts, so a loss stays reported, never forgotten. */
const DROPPED = 'dropped.json';

export type SpoolOptions = {
  dir: string;
  maxBatches: number;
  /** Told of each dropped batch, with the total dropped so far. */
  onDrop?: (seq: number, total: number) => void;
};

export class Spool {
  private readonly dir: string;
  private readonly maxBatches: number;
  /** Seqs on disk, ascending: batches are appended in seq order. */
  private readonly seqs: number[];
  private droppedCount = 0;
  private readonly onDrop: ((seq: number, total: number) => void) | undefined;

  constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.maxBatches = opts.maxBatches;
    this.onDrop = opts.onDrop;
    mkdirSync(this.dir, { recursive: true });
    try {
      const n = (JSON.parse(readFileSync(join(this.dir, DROPPED), 'utf8')) as { dropped?: unknown }).dropped;
      if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) this.droppedCount = n;
    } catch {
      // No file (nothing ever dropped) or an unreadable one: the count starts again, the batches are unaffected.
    }
    const seqs: number[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = NAME.exec(name);
      if (m) seqs.push(Number(m[1]));
      // A temporary file is a write a crash interrupted: its batch was never sent, nor its seq used.
      else if (name.endsWith('.tmp')) rmSync(join(this.dir, name), { force: true });
    }
    this.seqs = seqs.sort((a, b) => a - b);
  }

  get size(): number {
    return this.seqs.length;
  }

  /** Batches ever dropped from a full spool (reported in the gateway status and the health endpoint). */
  get dropped(): number {
    return this.droppedCount;
  }

  get newest(): number | undefined {
    return this.seqs.at(-1);
  }

  /**
   * Stores a batch. A full spool drops its oldest batches that `canDrop` allows (not yet handed to the
   * broker connection): in a long outage the newest state matters most, and the count is reported.
   */
  append(seq: number, payload: string, canDrop: (seq: number) => boolean = () => true): void {
    const newest = this.seqs.at(-1);
    if (newest !== undefined && seq <= newest) throw new Error(`spool: seq ${seq} is not after ${newest}`);
    writeFileDurably(this.path(seq), payload);
    this.seqs.push(seq);
    const before = this.droppedCount;
    for (let i = 0; this.seqs.length > this.maxBatches && i < this.seqs.length; ) {
      const old = this.seqs[i] as number;
      if (!canDrop(old)) {
        i++;
        continue;
      }
      rmSync(this.path(old), { force: true });
      this.seqs.splice(i, 1);
      this.droppedCount++;
      this.onDrop?.(old, this.droppedCount);
    }
    if (this.droppedCount !== before) writeFileDurably(join(this.dir, DROPPED), JSON.stringify({ dropped: this.droppedCount }));
  }

  read(seq: number): string {
    return readFileSync(this.path(seq), 'utf8');
  }

  remove(seq: number): void {
    const i = this.seqs.indexOf(seq);
    if (i < 0) return;
    rmSync(this.path(seq), { force: true });
    this.seqs.splice(i, 1);
  }

  /** Up to `limit` stored seqs after `after`, ascending. */
  after(after: number, limit: number): number[] {
    // Binary search: the publisher asks at every send, and a long outage leaves a long spool.
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] as number) <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.seqs.slice(lo, lo + limit);
  }

  private path(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}.json`);
  }
}
