import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SeqStore, Spool } from '../src/index.ts';
import { tempDir } from './helpers/agent.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('spool and seq on disk', () => {
  it('keeps the spool bounded, dropping and counting the oldest batches it may drop', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dir = join(tmp.dir, 'spool');
    const spool = new Spool({ dir, maxBatches: 10 });
    for (let seq = 1; seq <= 15; seq++) spool.append(seq, `{"seq":${seq}}`, (s) => s !== 1);
    expect(spool.size).toBe(10);
    expect(spool.dropped).toBe(5);
    // Batch 1 was in flight, so it stays; 2–6 went.
    expect(spool.after(0, 100)).toEqual([1, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(() => spool.append(15, '{}')).toThrow(/not after 15/);

    writeFileSync(join(dir, '0000000000000016.json.tmp'), '{"half');
    const reopened = new Spool({ dir, maxBatches: 10 });
    expect(reopened.after(0, 100)).toEqual([1, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(reopened.read(7)).toBe('{"seq":7}');
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false);
    reopened.remove(7);
    expect(reopened.after(1, 2)).toEqual([8, 9]);
  });

  it('persists the next seq before handing one out, and never goes below a floor', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const a = new SeqStore(tmp.dir);
    expect([a.take(), a.take(), a.take()]).toEqual([1, 2, 3]);
    expect(new SeqStore(tmp.dir).next).toBe(4);
    expect(new SeqStore(tmp.dir, 9).take()).toBe(9);
    expect(new SeqStore(tmp.dir).next).toBe(10);
    expect(existsSync(join(tmp.dir, 'seq.json.tmp'))).toBe(false);
    writeFileSync(join(tmp.dir, 'seq.json'), 'nonsense');
    expect(() => new SeqStore(tmp.dir)).toThrow(/seq\.json holds no valid/);
  });
});
