// aedes has no packet size limit: it buffers whatever a client announces. This reads each
// MQTT fixed header (type byte, then the "remaining length" varint of 1–4 bytes, MQTT 3.1.1 §2.2.3)
// and fails the stream as soon as a packet announces more than `maxBytes`, before its body arrives.
import type { Readable } from 'node:stream';

export class PacketTooLarge extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`MQTT packet of ${bytes} bytes is over the limit of ${maxBytes}`);
    this.name = 'PacketTooLarge';
  }
}

/**
 * Fails `stream` (`onTooLarge`, which should destroy it) as soon as a packet in what it receives
 * announces more than `maxBytes`, before its body arrives; the chunk announcing it and anything after
 * never reach the reader. It watches what the stream itself pushes to its readers rather than being
 * a stream piped in between: a Transform and a duplex wrapper per connection were ~8 kB of heap each
 * (1,000 gateways: ~8 MB), and every chunk went through both on its way to aedes.
 */
export function limitPacketSize(stream: Readable, maxBytes: number, onTooLarge: (err: PacketTooLarge) => void): void {
  // Bytes of the current packet's body still to pass; -1 while reading a header.
  let remaining = -1;
  let headerByte = 0;
  let length = 0;
  let multiplier = 1;
  let failed = false;
  const scan = (chunk: Buffer): PacketTooLarge | undefined => {
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
        if (length > maxBytes) return new PacketTooLarge(length, maxBytes);
        remaining = length;
      }
    }
    return undefined;
  };
  // Every byte a readable stream delivers goes through its `push` (a socket's included: Node's stream
  // plumbing calls it with each chunk read from the connection), so this sees all of it, in order.
  const push = stream.push;
  stream.push = function (chunk: unknown, encoding?: BufferEncoding): boolean {
    if (failed) return false;
    if (Buffer.isBuffer(chunk)) {
      const err = scan(chunk);
      if (err) {
        failed = true;
        onTooLarge(err);
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}
