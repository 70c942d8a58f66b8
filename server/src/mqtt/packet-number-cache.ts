// mqtt-packet (the codec under aedes and mqtt.js) fills, on its first write, a table of 65,536 two-byte
// Buffers for packet ids and lengths: ~7 MB of heap kept for the life of the process to save one
// two-byte allocation per packet (a PUBACK each). The bytes on the wire are the same without it. It has
// to be turned off before anything is written: the broker's first CONNACK would fill the table.
import { createRequire } from 'node:module';

/** Turns the number table off in the copies of mqtt-packet that aedes and mqtt.js use (one copy when they agree on the version). */
export function skipMqttNumberCache(): void {
  const here = createRequire(import.meta.url);
  for (const user of ['aedes', 'mqtt']) {
    try {
      const codec = createRequire(here.resolve(user))('mqtt-packet') as { writeToStream?: { cacheNumbers: boolean } };
      if (codec.writeToStream) codec.writeToStream.cacheNumbers = false;
    } catch {
      // A layout we do not know: the table is only memory, never behaviour.
    }
  }
}
