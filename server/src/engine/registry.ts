import type { EnterpriseFacts } from './facts.ts';
import type { Tracker } from './tracker.ts';

/**
 * The engine's trackers, iterated in the order a Map of them by alarm key would be: the order they
 * were added in, one removed and added again going last (the order is observable: saved states,
 * alarms raised at one instant, the steps of a reconfiguration). The order is a list through the
 * trackers themselves. There is no table of keys: a large site has tens of thousands of trackers,
 * and a key string each plus a hash table over them was over a tenth of the engine's memory. A
 * tracker is found by its key (`get`: saves, adoption, rebuilds, the alarms of an output) where the
 * engine's facts hold it (`find`, e.g. trackerByKey), and the key checked; keys are made when asked.
 */
export class TrackerRegistry {
  private head: Tracker | undefined = undefined;
  private tail: Tracker | undefined = undefined;
  private count = 0;

  /** `find(key)`: the tracker with that key the facts hold, if any (listed or not: `get` checks). */
  constructor(private readonly find: (key: string) => Tracker | undefined) {}

  get size(): number {
    return this.count;
  }

  get(key: string): Tracker | undefined {
    const t = this.find(key);
    if (t !== undefined) return t.listed ? t : undefined;
    // Not where a key of that form would be: only a key made of ids the configuration's and
    // telemetry's checks refuse could be, so the walk over every key is for them.
    if (!wellFormed(key)) for (const u of this.values()) if (u.spec.key === key) return u;
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `t` last (one tracker per key: the engine adds a tracker only for a key it has none for). */
  add(t: Tracker): void {
    if (t.listed) return;
    t.prevListed = this.tail;
    t.nextListed = undefined;
    if (this.tail) this.tail.nextListed = t;
    else this.head = t;
    this.tail = t;
    t.listed = true;
    this.count++;
  }

  /** Takes `t` out; false if it was not in. */
  remove(t: Tracker): boolean {
    if (!t.listed) return false;
    if (t.prevListed) t.prevListed.nextListed = t.nextListed;
    else this.head = t.nextListed;
    if (t.nextListed) t.nextListed.prevListed = t.prevListed;
    else this.tail = t.prevListed;
    t.prevListed = t.nextListed = undefined;
    t.listed = false;
    this.count--;
    return true;
  }

  // Unlike a Map's, these iterators must not outlive a change to the registry (removing the tracker
  // just yielded ends the walk); no caller changes it while iterating.
  *values(): IterableIterator<Tracker> {
    for (let t = this.head; t; t = t.nextListed) yield t;
  }

  /** With each tracker's key, made as it is yielded. */
  *[Symbol.iterator](): IterableIterator<[string, Tracker]> {
    for (let t = this.head; t; t = t.nextListed) yield [t.spec.key, t];
  }
}

/** protocols' alarmKey has eight fields joined by '|' (no id may hold one: SPEC 1's id pattern). */
const KEY_FIELDS = 8;

function wellFormed(key: string): boolean {
  let n = 1;
  for (let i = key.indexOf('|'); i >= 0; i = key.indexOf('|', i + 1)) n++;
  return n === KEY_FIELDS;
}

/**
 * Where the fields of the key being looked up end (trackerByKey, which sets them before reading
 * them and calls nothing that looks up another): read in place, without splitting the key (a save
 * looks up thousands of keys at once).
 */
const ENDS = new Int32Array(KEY_FIELDS);

/** Sets ENDS for `key`; false unless it has exactly KEY_FIELDS fields. */
function fieldsOf(key: string): boolean {
  let at = -1;
  for (let k = 0; k < KEY_FIELDS - 1; k++) {
    at = key.indexOf('|', at + 1);
    if (at < 0) return false;
    ENDS[k] = at;
  }
  if (key.indexOf('|', at + 1) >= 0) return false;
  ENDS[KEY_FIELDS - 1] = key.length;
  return true;
}

const start = (k: number): number => (k === 0 ? 0 : ENDS[k - 1]! + 1);

/** Field `k` of the key (alarmKey's order: enterprise, type, reason, workshop, line, gateway, person, product). */
function field(key: string, k: number): string {
  return key.slice(start(k), ENDS[k]);
}

/** Field `k` of the key is `v`. */
function fieldIs(key: string, k: number, v: string): boolean {
  const from = start(k);
  return v.length === ENDS[k]! - from && key.startsWith(v, from);
}

/**
 * The listed tracker an alarm key names, where the facts of `enterprises` keep it: a gateway's
 * offline tracker, a person's dwell tracker, a workshop's or line's own, an unlicensed product's, a
 * product's yearly one.
 */
export function trackerByKey(enterprises: ReadonlyMap<string, EnterpriseFacts>, key: string): Tracker | undefined {
  if (!fieldsOf(key)) return undefined;
  const ent = enterprises.get(field(key, 0));
  if (!ent) return undefined;
  if (!fieldIs(key, 5, '')) return keyed(ent.gatewayTrackers.get(field(key, 5)), key);
  if (!fieldIs(key, 3, '')) {
    const ws = ent.workshops.get(field(key, 3));
    if (!ws) return undefined;
    if (!fieldIs(key, 6, '')) return keyed(ws.dwell.get(field(key, 6)), key);
    for (const t of ws.trackers) if (keyed(t, key)) return t;
    return undefined;
  }
  if (!fieldIs(key, 4, '')) {
    const line = ent.lines.get(field(key, 4));
    if (!line) return undefined;
    if (!fieldIs(key, 7, '')) return keyed(line.unlicensed.get(field(key, 7)), key);
    for (const t of line.trackers) if (keyed(t, key)) return t;
    return undefined;
  }
  if (!fieldIs(key, 7, '')) return keyed(ent.years.get(field(key, 7))?.tracker, key);
  return undefined;
}

/**
 * `t` if it is listed and its key is `key` (whose fields ENDS holds), compared field by field as
 * alarmKey joins them, without making its key. Fields without '|' equal a tracker's exactly when
 * the key it would make is the key they are read from.
 */
function keyed(t: Tracker | undefined, key: string): Tracker | undefined {
  if (t === undefined || !t.listed || !fieldIs(key, 1, t.type) || !fieldIs(key, 2, t.reason ?? '') || !fieldIs(key, 0, t.enterpriseId)) return undefined;
  const s = t.subject;
  return fieldIs(key, 3, s.workshopId ?? '') && fieldIs(key, 4, s.lineId ?? '') && fieldIs(key, 5, s.gatewayId ?? '') && fieldIs(key, 6, s.personId ?? '') && fieldIs(key, 7, s.product ?? '')
    ? t
    : undefined;
}
