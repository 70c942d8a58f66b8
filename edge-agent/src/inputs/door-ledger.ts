// Who is inside each workshop, from the door's enter and exit events (DOMAIN: headcount comes from the
// door). Badged events name the person, so the ledger knows who is inside and since when (dwell time);
// events without a badge (an infrared beam counter) only count. Reconciliation: an event that does not
// fit — an exit nobody entered for, which would take a count below zero, or an entry of someone already
// inside — means a missed event at the door. It is a fault to report, counted and kept with its details;
// the count never goes negative and a person is never counted twice.
import { readFileSync } from 'node:fs';
import { writeFileDurably } from '../durable-file.ts';

export type DoorEvent = { door: string; direction: 'enter' | 'exit'; badge?: string | undefined; lineId?: string | undefined; ts: number };

export type DoorFaultKind = 'exit-without-entry' | 'entry-while-inside';
export type DoorFault = { kind: DoorFaultKind; workshopId: string; door: string; badge: string | null; ts: number; message: string };

export type DoorWorkshop = { workshopId: string; doors: readonly string[]; lines?: readonly string[] | undefined };

type Inside = { since: number; lineId?: string | undefined };
type WorkshopState = { persons: Map<string, Inside>; anonymous: number; faults: number; ts: number };

type SavedWorkshop = { persons: { id: string; since: number; lineId?: string }[]; anonymous: number; faults: number; ts: number };
type Saved = { v: 1; workshops: Record<string, SavedWorkshop> };

export class DoorLedger {
  private readonly byDoor = new Map<string, DoorWorkshop>();
  private readonly states = new Map<string, WorkshopState>();
  private readonly workshops: readonly DoorWorkshop[];

  /** `file`: where the ledger survives restarts (people do not leave because the agent restarted). */
  constructor(
    workshops: readonly DoorWorkshop[],
    private readonly file: string | null,
  ) {
    this.workshops = workshops;
    for (const w of workshops) {
      for (const d of w.doors) this.byDoor.set(d, w);
      this.states.set(w.workshopId, { persons: new Map(), anonymous: 0, faults: 0, ts: 0 });
    }
    if (file) this.load(file);
  }

  workshopOf(door: string): string | undefined {
    return this.byDoor.get(door)?.workshopId;
  }

  /** Applies one event (its door must be known); returns the fault it revealed, if any. */
  apply(e: DoorEvent): DoorFault | null {
    const w = this.byDoor.get(e.door);
    if (!w) throw new Error(`unknown door ${e.door}`);
    const s = this.states.get(w.workshopId)!;
    s.ts = Math.max(s.ts, e.ts);
    const fault = (kind: DoorFaultKind, message: string): DoorFault => {
      s.faults++;
      return { kind, workshopId: w.workshopId, door: e.door, badge: e.badge ?? null, ts: e.ts, message };
    };
    if (e.badge !== undefined) {
      const inside = s.persons.get(e.badge);
      if (e.direction === 'enter') {
        // Keep the first `since`: the person has been inside at least that long.
        if (inside) return fault('entry-while-inside', `${e.badge} entered ${w.workshopId} while already inside (an exit was missed)`);
        s.persons.set(e.badge, { since: e.ts, lineId: e.lineId });
        return null;
      }
      if (!inside) return fault('exit-without-entry', `${e.badge} left ${w.workshopId} without having entered (an entry was missed)`);
      s.persons.delete(e.badge);
      return null;
    }
    if (e.direction === 'enter') {
      s.anonymous++;
      return null;
    }
    if (s.anonymous === 0) return fault('exit-without-entry', `an exit from ${w.workshopId} would take the unbadged count below zero (an entry was missed)`);
    s.anonymous--;
    return null;
  }

  /** The workshop's reading (SPEC 2 headcount), persons in order of arrival; stamped no earlier than `atLeast`. */
  reading(workshopId: string, atLeast = 0): unknown {
    const w = this.workshops.find((x) => x.workshopId === workshopId)!;
    const s = this.states.get(workshopId)!;
    const persons = [...s.persons].sort((a, b) => a[1].since - b[1].since || (a[0] < b[0] ? -1 : 1));
    const headcount: Record<string, unknown> = { total: persons.length + s.anonymous, persons: persons.map(([id, p]) => ({ id, since: p.since })) };
    if (w.lines && w.lines.length > 0) {
      headcount.byLine = Object.fromEntries(w.lines.map((l) => [l, persons.filter(([, p]) => p.lineId === l).length]));
    }
    return { workshopId, ts: Math.max(s.ts, atLeast), headcount };
  }

  stats(): Record<string, { inside: number; faults: number }> {
    return Object.fromEntries([...this.states].map(([id, s]) => [id, { inside: s.persons.size + s.anonymous, faults: s.faults }]));
  }

  save(): void {
    if (!this.file) return;
    const saved: Saved = { v: 1, workshops: {} };
    for (const [id, s] of this.states) {
      saved.workshops[id] = {
        persons: [...s.persons].map(([pid, p]) => ({ id: pid, since: p.since, ...(p.lineId !== undefined ? { lineId: p.lineId } : {}) })),
        anonymous: s.anonymous,
        faults: s.faults,
        ts: s.ts,
      };
    }
    writeFileDurably(this.file, JSON.stringify(saved));
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let saved: Saved;
    try {
      saved = JSON.parse(text) as Saved;
      if (saved?.v !== 1 || typeof saved.workshops !== 'object') throw new Error('not a door ledger');
    } catch (err) {
      // Starting empty would report a full workshop as empty: an operator must look.
      throw new Error(`${file} is not a readable door ledger (${(err as Error).message}); restore it, or delete it once the workshops are known to be empty`);
    }
    for (const [id, w] of Object.entries(saved.workshops)) {
      const s = this.states.get(id);
      // A workshop no longer configured here is forgotten; a new one starts empty.
      if (!s) continue;
      for (const p of w.persons ?? []) s.persons.set(p.id, { since: p.since, lineId: p.lineId });
      s.anonymous = Math.max(0, Math.trunc(w.anonymous ?? 0));
      s.faults = w.faults ?? 0;
      s.ts = w.ts ?? 0;
    }
  }
}
