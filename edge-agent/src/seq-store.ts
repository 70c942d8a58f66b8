// SPEC 2: `seq` grows by one per batch and survives agent restarts, because (enterprise, gateway, seq)
// identifies a batch on the platform: a reused seq would make a new batch look like a duplicate and be
// dropped there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './durable-file.ts';

export class SeqStore {
  private readonly file: string;
  private nextSeq: number;

  /** `floor`: the lowest seq still allowed, e.g. one past the newest batch found in the spool. */
  constructor(dataDir: string, floor = 1) {
    this.file = join(dataDir, 'seq.json');
    this.nextSeq = Math.max(floor, this.read());
  }

  private read(): number {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 1;
      throw err;
    }
    let next: unknown;
    try {
      next = (JSON.parse(text) as { next?: unknown } | null)?.next;
    } catch {
      next = undefined;
    }
    if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 1) {
      // Guessing a value could reuse seqs the platform has seen; an operator must decide.
      throw new Error(`${this.file} holds no valid {"next": N}; restore it or set a seq above the last one sent`);
    }
    return next;
  }

  get next(): number {
    return this.nextSeq;
  }

  /** Takes the next seq; the one after it is on disk before this returns, so a crash never reuses it. */
  take(): number {
    const seq = this.nextSeq;
    this.advance(seq);
    return seq;
  }

  /**
   * Marks `seq` (the current `next`) used, once its batch is safely stored elsewhere (the spool): the
   * caller's store then covers a crash before this write, and no seq is skipped.
   */
  advance(seq: number): void {
    if (seq !== this.nextSeq) throw new Error(`seq ${seq} is not the next one (${this.nextSeq})`);
    writeFileDurably(this.file, JSON.stringify({ next: seq + 1 }));
    this.nextSeq = seq + 1;
  }
}
