// aedes has no packet size limit: it buffers whatever a client announces. This transform reads each
// MQTT fixed header (type byte, then the "remaining length" varint of 1–4 bytes, MQTT 3.1.1 §2.2.3)
// and fails the stream as soon as a packet announces more than `maxBytes`, before its body arrives.
import { Transform, type TransformCallback } from 'node:stream';

export class PacketTooLarge extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`MQTT packet of ${bytes} bytes is over the limit of ${maxBytes}`);
    this.name = 'PacketTooLarge';
  }
}

export function packetSizeGuard(maxBytes: number): Transform {
  // Bytes of the current packet's body still to pass; -1 while reading a header.
  let remaining = -1;
  let headerByte = 0;
  let length = 0;
  let multiplier = 1;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      let i = 0;
      while (i < chunk.length) {
        if (remaining > 0) {
          const take = Math.min(remaining, chunk.length - i);
          remaining -= take;
          i += take;
          continue;
        }
        if (remaining === 0) remaining = -1;
        const b = chunk[i++]!;
        if (headerByte === 0) {
          headerByte = 1;
          length = 0;
          multiplier = 1;
          continue;
        }
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        if ((b & 0x80) === 0 || multiplier > 128 ** 4) {
          headerByte = 0;
          if (length > maxBytes) return done(new PacketTooLarge(length, maxBytes));
          remaining = length;
        }
      }
      done(null, chunk);
    },
  });
}
