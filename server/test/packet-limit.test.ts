// The MQTT packet-size limit reads each fixed header's remaining length (MQTT 3.1.1 §2.2.3) from what a
// connection delivers, however it is split into chunks, and stops the stream at the first packet over
// the limit, before that chunk reaches the reader.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PacketTooLarge } from '../src/broker/packet-limit.ts';
import { limitPacketSize } from '../src/broker/packet-limit.ts';

/** A fixed header (type byte, remaining length as a varint) and a body of `n` bytes. */
function packet(n: number): Buffer {
  const len: number[] = [];
  let x = n;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    len.push(b);
  } while (x > 0);
  return Buffer.concat([Buffer.from([0x30, ...len]), Buffer.alloc(n, 7)]);
}

/** Pushes `data` in chunks of `size` bytes; what the reader got and the refusals. */
function feed(data: Buffer, size: number, max: number) {
  const stream = new Readable({ read() {} });
  const refused: PacketTooLarge[] = [];
  limitPacketSize(stream, max, (err) => refused.push(err));
  const got: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) {
    stream.push(data.subarray(i, i + size));
    for (let c = stream.read() as Buffer | null; c !== null; c = stream.read() as Buffer | null) got.push(c);
  }
  return { got: Buffer.concat(got), refused };
}

describe('MQTT packet-size limit', () => {
  const ok = Buffer.concat([packet(0), packet(127), packet(128), packet(1000), packet(16_384)]);

  it('passes packets up to the limit unchanged, whatever the chunking (headers split included)', () => {
    for (const size of [1, 2, 3, 7, 130, 1024, ok.length]) {
      const r = feed(ok, size, 16_384);
      expect(r.refused).toEqual([]);
      expect(r.got.equals(ok)).toBe(true);
    }
  });

  it('stops at the first packet over the limit, before its chunk reaches the reader', () => {
    const data = Buffer.concat([packet(10), packet(2_000_000), packet(10)]);
    for (const size of [1, 5, 64, 4096]) {
      const r = feed(data, size, 16_384);
      expect(r.refused).toHaveLength(1);
      expect(r.refused[0]).toMatchObject({ bytes: 2_000_000, maxBytes: 16_384 });
      // What was read is a prefix that ends before the oversized packet's header was complete.
      expect(r.got.length).toBeLessThanOrEqual(12 + 4);
      expect(data.subarray(0, r.got.length).equals(r.got)).toBe(true);
    }
  });
});
