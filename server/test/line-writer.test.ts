// The byte writer behind the InfluxDB store's line protocol: numbers exactly as `String` writes them,
// text as UTF-8, and a buffer that grows past its first size without losing what it holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineWriter } from '../src/storage/line-writer.ts';

describe('LineWriter', () => {
  it('writes integers as String does, falling back to it for what is not a safe whole number', () => {
    const odd = [0, 9, 10, 99, 100, 1764433212345, Number.MAX_SAFE_INTEGER, -1, -1764433212345, 1.5, 1e21, 2 ** 53 + 2, Number.NaN, Infinity];
    for (const n of odd) {
      const w = new LineWriter(4);
      w.int(n);
      expect(w.toString()).toBe(String(n));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const w = new LineWriter(8);
        w.int(n);
        return w.toString() === String(n);
      }),
    );
  });

  it('pads to a width with zeros', () => {
    const w = new LineWriter(2);
    w.digits(0, 6);
    w.byte(32);
    w.digits(12003, 6);
    w.byte(32);
    w.digits(999999, 6);
    expect(w.toString()).toBe('000000 012003 999999');
  });

  it('grows, keeps what it holds, keeps a tail and starts over', () => {
    const w = new LineWriter(16);
    const parts = ['车间-1 ', 'ws-€-😀,', 'x'.repeat(100), ' end'];
    for (const p of parts) w.text(p);
    w.bytes(Buffer.from(' bytes'));
    w.bytes(Buffer.from('-'.repeat(200)));
    const all = `${parts.join('')} bytes${'-'.repeat(200)}`;
    expect(w.toString()).toBe(all);
    expect(w.length).toBe(Buffer.byteLength(all));
    expect(w.view(0, Buffer.byteLength('车间-1 ')).toString()).toBe('车间-1 ');
    const from = Buffer.byteLength(all) - 204;
    w.keepFrom(from);
    expect(w.toString()).toBe(` end bytes${'-'.repeat(200)}`.slice(-204));
    w.reset();
    expect(w.length).toBe(0);
    w.text('again');
    expect(w.toString()).toBe('again');
  });
});
