// Register values as PLCs store them. Modbus moves 16-bit words, each big-endian on the wire; a 32-bit
// value spans two words whose order is the vendor's choice: `big` (high word first, "ABCD", Schneider,
// Siemens) or `little` (low word first, "CDAB", many scales and Mitsubishi).

export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
export type WordOrder = 'big' | 'little';

export const REGISTER_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32'] as const;

export function wordsOf(type: RegisterType): 1 | 2 {
  return type === 'int16' || type === 'uint16' ? 1 : 2;
}

/** The raw value of `words` (each 0..65535) read as `type`; NaN and ±Infinity come back as they are. */
export function decodeRegisters(words: readonly number[], type: RegisterType, order: WordOrder): number {
  const n = wordsOf(type);
  if (words.length < n) throw new RangeError(`${type} needs ${n} registers, got ${words.length}`);
  const buf = Buffer.alloc(4);
  if (n === 1) {
    buf.writeUInt16BE(words[0]! & 0xffff, 0);
    return type === 'int16' ? buf.readInt16BE(0) : buf.readUInt16BE(0);
  }
  const [hi, lo] = order === 'big' ? [words[0]!, words[1]!] : [words[1]!, words[0]!];
  buf.writeUInt16BE(hi & 0xffff, 0);
  buf.writeUInt16BE(lo & 0xffff, 2);
  if (type === 'int32') return buf.readInt32BE(0);
  if (type === 'uint32') return buf.readUInt32BE(0);
  return buf.readFloatBE(0);
}
