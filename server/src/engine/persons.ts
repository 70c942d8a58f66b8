/**
 * Who is inside a workshop (WorkshopFacts.persons): each person's id and entry time (epoch ms),
 * read as a Map of them would be: in the order first listed, each id once with the entry time it was
 * last listed with. Never changed once made (a change of who is inside makes another). The ids and
 * times are two arrays, as listed when the list named nobody twice: a Map and its table were some
 * 200 bytes for the one or two persons inside most workshops, and the readings compare their list
 * with the arrays anyway (facts.ts, samePersons). Many persons are looked up through a Map of
 * positions (`index`): the dwell rule reads each one's entry time.
 */
export class Persons {
  private constructor(
    /** Distinct ids, in the order first listed. */
    readonly ids: readonly string[],
    /** Their entry times (epoch ms), position by position. */
    readonly since: readonly number[],
    private readonly index: Map<string, number> | undefined,
  ) {}

  /** Nobody inside: one for every workshop. */
  static readonly none = new Persons([], [], undefined);

  /** From a list of persons as reported (an id listed twice takes its place first and its time last, as Map.set does). */
  static fromList(list: readonly { id: string; since: number }[]): Persons {
    if (list.length === 0) return Persons.none;
    const n = list.length;
    if (n <= SCAN_MAX) {
      // Made at their size (`map`): pushed, they would keep room for a dozen more for as long as
      // the persons inside stay the same.
      const ids = list.map(personId);
      if (distinct(ids)) return new Persons(ids, list.map(personSince), undefined);
    }
    return Persons.fromEntries(list.map((p) => [p.id, p.since] as [string, number]));
  }

  /** From entries as a Map's (a saved state's), with the same reading. */
  static fromEntries(entries: readonly (readonly [string, number])[] | undefined): Persons {
    if (entries === undefined || entries.length === 0) return Persons.none;
    const at = new Map<string, number>();
    const ids: string[] = [];
    const since: number[] = [];
    for (const [id, t] of entries) {
      const k = at.get(id);
      if (k === undefined) {
        at.set(id, ids.length);
        ids.push(id);
        since.push(t);
      } else since[k] = t;
    }
    return new Persons(ids.slice(), since.slice(), ids.length > SCAN_MAX ? at : undefined);
  }

  get size(): number {
    return this.ids.length;
  }

  private position(id: string): number {
    if (this.index !== undefined) return this.index.get(id) ?? -1;
    const ids = this.ids;
    for (let k = 0; k < ids.length; k++) if (ids[k] === id) return k;
    return -1;
  }

  /** The person's entry time, if inside. */
  get(id: string): number | undefined {
    const k = this.position(id);
    return k < 0 ? undefined : this.since[k];
  }

  has(id: string): boolean {
    return this.position(id) >= 0;
  }

  keys(): readonly string[] {
    return this.ids;
  }

  /** [id, entry time] pairs, as a Map's entries. */
  *[Symbol.iterator](): IterableIterator<[string, number]> {
    for (let k = 0; k < this.ids.length; k++) yield [this.ids[k]!, this.since[k]!];
  }
}

/** Up to this many persons are found by a scan of the ids (no Map of positions). */
const SCAN_MAX = 8;

function distinct(xs: readonly string[]): boolean {
  for (let i = 1; i < xs.length; i++) for (let j = 0; j < i; j++) if (xs[i] === xs[j]) return false;
  return true;
}

const personId = (p: { id: string }): string => p.id;
const personSince = (p: { since: number }): number => p.since;
