/**
 * A Map for a handful of entries: the same order and results as a Map (insertion order; setting a
 * key present keeps its place; deleting one closes the gap), with keys and values side by side in
 * one array, found by a scan. A workshop's per-person trackers are one to a few such entries, and a
 * Map is some 180 bytes before its first: with several per workshop of a large site, that was a
 * good part of the engine's memory. Not for large maps (lookups scan), nor to be changed while it
 * is being iterated.
 */
export class SmallMap<K, V> {
  /** Key, value, key, value...; made with the first entry. */
  private kv: (K | V)[] | undefined = undefined;

  get size(): number {
    return this.kv === undefined ? 0 : this.kv.length >> 1;
  }

  private indexOf(key: K): number {
    const kv = this.kv;
    if (kv === undefined) return -1;
    for (let i = 0; i < kv.length; i += 2) if (kv[i] === key) return i;
    return -1;
  }

  get(key: K): V | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : (this.kv![i + 1] as V);
  }

  has(key: K): boolean {
    return this.indexOf(key) >= 0;
  }

  set(key: K, value: V): this {
    const i = this.indexOf(key);
    if (i >= 0) {
      this.kv![i + 1] = value;
      return this;
    }
    // Copied at its new size: a push would leave room for a dozen more entries that never come.
    const kv = this.kv;
    const n = kv === undefined ? 0 : kv.length;
    const next = new Array<K | V>(n + 2);
    for (let k = 0; k < n; k++) next[k] = kv![k]!;
    next[n] = key;
    next[n + 1] = value;
    this.kv = next;
    return this;
  }

  delete(key: K): boolean {
    const i = this.indexOf(key);
    if (i < 0) return false;
    this.kv!.splice(i, 2);
    return true;
  }

  clear(): void {
    this.kv = undefined;
  }

  *keys(): IterableIterator<K> {
    const kv = this.kv;
    if (kv !== undefined) for (let i = 0; i < kv.length; i += 2) yield kv[i] as K;
  }

  *[Symbol.iterator](): IterableIterator<[K, V]> {
    const kv = this.kv;
    if (kv !== undefined) for (let i = 0; i < kv.length; i += 2) yield [kv[i] as K, kv[i + 1] as V];
  }

  *values(): IterableIterator<V> {
    const kv = this.kv;
    if (kv !== undefined) for (let i = 1; i < kv.length; i += 2) yield kv[i] as V;
  }
}
