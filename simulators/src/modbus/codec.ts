// How a PLC stores a value in 16-bit registers, written independently of the agent's decoder so that a
// test of the two together checks the agent against the convention, not against itself. 32-bit values
// span two words: `big` puts the high word first ("ABCD"), `little` the low word first ("CDAB").

export type RegisterType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
export type WordOrder = 'big' | 'little';

/** The words (each 0..65535) that hold `value` as `type`; integers are rounded and wrap like a PLC's. */
export function encodeRegisters(value: number, type: RegisterType, order: WordOrder = 'big'): number[] {
  const buf = Buffer.alloc(4);
  switch (type) {
    case 'int16':
    case 'uint16':
      return [Math.round(value) & 0xffff];
    case 'int32':
      buf.writeInt32BE(Math.round(value) | 0, 0);
      break;
    case 'uint32':
      buf.writeUInt32BE(Math.round(value) >>> 0, 0);
      break;
    case 'float32':
      buf.writeFloatBE(value, 0);
      break;
  }
  const hi = buf.readUInt16BE(0);
  const lo = buf.readUInt16BE(2);
  return order === 'big' ? [hi, lo] : [lo, hi];
}
