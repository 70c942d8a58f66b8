import type { Tracker } from './tracker.ts';

/**
 * The engine's trackers by alarm key, iterated in the order a Map of them would be: the order they
 * were added in, a key deleted and added again going last (the order is observable: saved states,
 * alarms raised at one instant, the steps of a reconfiguration). A person's tracker leaves when they
 * leave and comes back when they return (engine.ts, dwellTracker), with most door events in a large
 * site: with a Map of tens of thousands of keys each of those is a removal and an insertion in a large
 * hash table, which gets rebuilt as removals pile up. Here the order is a list through the trackers
 * themselves, and a tracker the engine keeps for its person's return stays in the table, unlisted,
 * until it comes back (`set`) or is given up (`forget`).
 */
export class TrackerRegistry {
  private readonly byKey = new Map<string, Tracker>();
  private head: Tracker | undefined = undefined;
  private tail: Tracker | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): Tracker | undefined {
    const t = this.byKey.get(key);
    return t !== undefined && t.listed ? t : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** As Map.set: a key present keeps its place (with `t` in it), a new one goes last. */
  set(key: string, t: Tracker): void {
    const cur = this.byKey.get(key);
    if (cur !== undefined && cur.listed) {
      if (cur === t) return;
      t.prevListed = cur.prevListed;
      t.nextListed = cur.nextListed;
      if (t.prevListed) t.prevListed.nextListed = t;
      else this.head = t;
      if (t.nextListed) t.nextListed.prevListed = t;
      else this.tail = t;
      cur.prevListed = cur.nextListed = undefined;
      cur.listed = false;
      t.listed = true;
      this.byKey.set(key, t);
      return;
    }
    if (cur !== t) this.byKey.set(key, t);
    t.prevListed = this.tail;
    t.nextListed = undefined;
    if (this.tail) this.tail.nextListed = t;
    else this.head = t;
    this.tail = t;
    t.listed = true;
    this.count++;
  }

  /**
   * As Map.delete. With `keep`, the tracker stays in the table, unlisted (absent to every other
   * method), so that adding it again finds its entry; `forget` drops it when it will not be.
   */
  delete(key: string, keep = false): boolean {
    const t = this.get(key);
    if (!t) return false;
    if (t.prevListed) t.prevListed.nextListed = t.nextListed;
    else this.head = t.nextListed;
    if (t.nextListed) t.nextListed.prevListed = t.prevListed;
    else this.tail = t.prevListed;
    t.prevListed = t.nextListed = undefined;
    t.listed = false;
    this.count--;
    if (!keep) this.byKey.delete(key);
    return true;
  }

  /** Drops `t`'s entry if it is kept unlisted (see `delete`). */
  forget(t: Tracker): void {
    if (!t.listed && this.byKey.get(t.spec.key) === t) this.byKey.delete(t.spec.key);
  }

  // Unlike a Map's, these iterators must not outlive a change to the registry (deleting the tracker
  // just yielded ends the walk); no caller changes it while iterating.
  *values(): IterableIterator<Tracker> {
    for (let t = this.head; t; t = t.nextListed) yield t;
  }

  *[Symbol.iterator](): IterableIterator<[string, Tracker]> {
    for (let t = this.head; t; t = t.nextListed) yield [t.spec.key, t];
  }
}
