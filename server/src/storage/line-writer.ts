/**
 * Bytes appended to one growing Buffer, reused from write to write. The InfluxDB store writes its line
 * protocol straight into the spool's row with it: as JS strings (a string per line, per field, per
 * number, then the whole copied to bytes) the line protocol was most of the young garbage of the
 * InfluxDB path at ingest saturation, twice the scavenges of the SQLite path.
 */
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number };

export class LineWriter {
  private buf: Buffer;
  /** Bytes written. */
  length = 0;

  constructor(private readonly initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private room(bytes: number): Buffer {
    if (this.length + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    return this.buf;
  }

  /** A string as UTF-8. */
  text(s: string): void {
    // `utf8Write` is what `write` calls after sorting out its optional arguments (a third of its
    // cost here); Node has it on every Buffer, but its types do not list it.
    this.length += (this.room(s.length * 3) as Utf8Writable).utf8Write(s, this.length);
  }

  /** Bytes as they are (short ones copied here: cheaper than a call into the runtime). */
  bytes(src: Uint8Array): void {
    const n = src.length;
    const b = this.room(n);
    const at = this.length;
    if (n <= 16) for (let k = 0; k < n; k++) b[at + k] = src[k]!;
    else b.set(src, at);
    this.length = at + n;
  }

  byte(c: number): void {
    this.room(1)[this.length++] = c;
  }

  /** An integer in decimal, as `String(n)` writes it, without making the string. */
  int(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) {
      this.text(String(n));
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    this.digits(n, digits);
  }

  /** The last `width` decimal digits of a non-negative integer, zero-padded. */
  digits(n: number, width: number): void {
    const b = this.room(width);
    let p = this.length + width;
    this.length = p;
    for (let k = 0; k < width; k++) {
      const q = Math.floor(n / 10);
      b[--p] = 48 + (n - q * 10);
      n = q;
    }
  }

  /** A view of bytes written (valid until the next write or reset). */
  view(from = 0, to = this.length): Buffer {
    return this.buf.subarray(from, to);
  }

  /** Moves bytes `from`…end to the start, dropping what was before. */
  keepFrom(from: number): void {
    this.buf.copy(this.buf, 0, from, this.length);
    this.length -= from;
  }

  /** Empty again; a buffer grown past 4 MiB (a very large batch) is let go. */
  reset(): void {
    this.length = 0;
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(this.initialBytes);
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.length);
  }
}
