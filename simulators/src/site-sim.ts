// A deterministic production site: people with badges entering and leaving 1.1 workshops, explosive
// arriving and leaving in batches, line totalisers counting boxes, and now and then a scripted
// violation (超员 or 超量) that holds long enough to alarm. Pure: time only moves through advanceTo,
// so the same seed, start and tick times give the same readings.
import type { Enterprise, Line, LineReading, Reading, SiteConfig, Workshop, WorkshopReading } from '@hazwatch/protocols';
import { createRng, type Rng } from './prng.ts';
import { localTime, mayOperate } from './local-time.ts';

export type ViolationKind = 'over-staffing' | 'over-quantity';

export type Violation = {
  kind: ViolationKind;
  enterpriseId: string;
  workshopId: string;
  gatewayId: string;
  /** Epoch ms: the reading that starts it carries this `ts`. */
  from: number;
  /** Epoch ms: the reading that ends it carries this `ts`. */
  until: number;
  /** Persons, or kg of explosive (TNT equivalent). */
  value: number;
  limit: number;
};

export type ViolationOptions = {
  /** Mean seconds between the starts of two violations; 0 turns them off. */
  everySeconds: number;
  minSeconds: number;
  maxSeconds: number;
};

export type SimulatorOptions = {
  site: SiteConfig;
  seed: number | string;
  /** Epoch ms of the simulated site's first state. */
  start: number;
  /** Simulated time per step; readings carry step times. */
  tickMs?: number;
  violations?: Partial<ViolationOptions>;
  /** Told when a scripted violation begins and ends, e.g. to log it beside the alarms it should raise. */
  onViolation?: (v: Violation, phase: 'start' | 'end') => void;
  /** Every door pass with its badge id, in time order (for door-event inputs and their tests). */
  onDoor?: (pass: DoorPass) => void;
  /** Breaks of every shift, local time of each enterprise; default none. */
  breaks?: ShiftBreak[];
};

/** A person passing a workshop's door, as an access-control reader reports it (DOMAIN: headcount comes from the door). */
export type DoorPass = { enterpriseId: string; workshopId: string; gatewayId: string | null; badge: string; direction: 'in' | 'out'; ts: number };

/** A break in the local day ("12:00"–"12:30"): crews leave the workshops and come back after it. */
export type ShiftBreak = { from: string; to: string };

/** One changed reading of a subject that a gateway of the site reports. */
export type SimChange = { enterpriseId: string; gatewayId: string; reading: Reading };

type Person = { id: string; since: number; lineId: string | null; extra: boolean };

type WorkshopSim = {
  enterprise: Enterprise;
  workshop: Workshop;
  gatewayId: string | null;
  /** Normal ceiling of the headcount: the 定员, or a small crew where none is set. */
  cap: number;
  /** Normal ceiling of the explosive: the 预警 level where set (no warnings in normal running), else 定量. */
  quantityCap: number | null;
  badges: string[];
  persons: Person[];
  materialKg: number | null;
  /** Explosive to return to when an overload ends. */
  materialBefore: number | null;
  dirty: boolean;
};

type LineSim = {
  enterprise: Enterprise;
  line: Line;
  gatewayId: string | null;
  workshops: WorkshopSim[];
  counter: number;
  /** Output made but not yet counted: the totaliser counts whole boxes. */
  carry: number;
  perMs: number;
  box: number;
  unit: string;
  dirty: boolean;
};

const DEFAULT_VIOLATIONS: ViolationOptions = { everySeconds: 120, minSeconds: 20, maxSeconds: 40 };
/** Crew size where a workshop has no 定员: the simulation needs some people to move. */
const DEFAULT_CREW = 2;
/** Default design output per day where a line sets no capacity. */
const DEFAULT_PER_DAY = 10_000;
/** Share of the design capacity a line runs at: a full day stays below the 超产 day limit. */
const UTILISATION = 0.6;
/** Persons leave once they have been in for this share of maxDwellMinutes (no dwell alarms). */
const DWELL_SHARE = 0.8;

export class SiteSimulator {
  readonly start: number;
  readonly tickMs: number;
  private clock: number;
  private readonly rng: Rng;
  private readonly workshops: WorkshopSim[] = [];
  private readonly lines: LineSim[] = [];
  private readonly violationOptions: ViolationOptions;
  private readonly history: Violation[] = [];
  private active: { violation: Violation; ws: WorkshopSim } | null = null;
  private nextViolationAt: number;
  private readonly onViolation: SimulatorOptions['onViolation'];
  private readonly onDoor: SimulatorOptions['onDoor'];
  private readonly breaks: { from: number; to: number }[];

  constructor(opts: SimulatorOptions) {
    this.start = opts.start;
    this.clock = opts.start;
    this.tickMs = opts.tickMs ?? 1000;
    if (!(this.tickMs > 0)) throw new Error(`tickMs must be positive, got ${this.tickMs}`);
    this.rng = createRng(opts.seed);
    this.violationOptions = { ...DEFAULT_VIOLATIONS, ...opts.violations };
    this.onViolation = opts.onViolation;
    this.onDoor = opts.onDoor;
    this.breaks = (opts.breaks ?? []).map((b) => {
      const m = (hhmm: string) => {
        const x = /^(\d\d):(\d\d)$/.exec(hhmm);
        if (!x) throw new Error(`a break time must be "HH:MM", got "${hhmm}"`);
        return Number(x[1]) * 60 + Number(x[2]);
      };
      return { from: m(b.from), to: m(b.to) };
    });
    const v = this.violationOptions;
    if (v.everySeconds < 0 || v.minSeconds <= 0 || v.maxSeconds < v.minSeconds) {
      throw new Error(`violations need everySeconds >= 0 and 0 < minSeconds <= maxSeconds, got ${JSON.stringify(v)}`);
    }
    for (const e of opts.site.enterprises) this.build(e);
    // The first violation comes soon, so a fresh demo shows one within its first minutes.
    this.nextViolationAt = this.start + v.everySeconds * 1000 * this.rng.between(0.3, 0.6);
    for (const ws of this.workshops) this.fillInitially(ws);
  }

  get now(): number {
    return this.clock;
  }

  /** Every violation started so far, the active one included. */
  get violations(): readonly Violation[] {
    return this.history;
  }

  get activeViolation(): Violation | null {
    return this.active?.violation ?? null;
  }

  /** Steps whole ticks up to `t`; returns the readings that changed, in time order. */
  advanceTo(t: number): SimChange[] {
    const out: SimChange[] = [];
    while (this.clock + this.tickMs <= t) {
      this.clock += this.tickMs;
      this.tick(this.clock);
      out.push(...this.collect(this.clock, true));
    }
    return out;
  }

  /** The current state of every reported subject (of one gateway when given), stamped with `now`. */
  snapshot(filter?: { enterpriseId: string; gatewayId: string }): SimChange[] {
    const all = this.collect(this.clock, false);
    return filter ? all.filter((c) => c.enterpriseId === filter.enterpriseId && c.gatewayId === filter.gatewayId) : all;
  }

  private build(e: Enterprise): void {
    const gatewayOfWorkshop = new Map<string, string>();
    const gatewayOfLine = new Map<string, string>();
    for (const g of e.gateways) {
      for (const w of g.workshops) gatewayOfWorkshop.set(w, g.id);
      for (const l of g.lines) if (!gatewayOfLine.has(l)) gatewayOfLine.set(l, g.id);
    }
    const mine: WorkshopSim[] = [];
    for (const w of e.workshops) {
      const cap = w.staffingLimit ?? DEFAULT_CREW;
      const index = this.workshops.length + mine.length;
      mine.push({
        enterprise: e,
        workshop: w,
        gatewayId: gatewayOfWorkshop.get(w.id) ?? null,
        cap,
        quantityCap: w.quantityWarnKg ?? w.quantityLimitKg ?? null,
        // Enough badges for a full crew, the extra person of a violation, and a choice of who comes.
        badges: Array.from({ length: cap + 4 }, (_, j) => `E${String(1001 + index * 100 + j)}`),
        persons: [],
        materialKg: w.quantityLimitKg !== undefined ? 0 : null,
        materialBefore: null,
        dirty: true,
      });
    }
    this.workshops.push(...mine);
    for (const l of e.lines) {
      const perDay = l.capacity?.perDay ?? DEFAULT_PER_DAY;
      const box = Math.max(1, Math.round(perDay / 2000));
      const licensed = e.licence?.products.find((p) => p.product === l.product);
      this.lines.push({
        enterprise: e,
        line: l,
        gatewayId: gatewayOfLine.get(l.id) ?? null,
        workshops: mine.filter((w) => w.workshop.lines.includes(l.id)),
        counter: this.rng.int(1000, 90_000) * box,
        carry: 0,
        perMs: (perDay * UTILISATION) / 86_400_000,
        box,
        unit: l.capacity?.unit ?? licensed?.unit ?? 'kg',
        dirty: true,
      });
    }
  }

  private fillInitially(ws: WorkshopSim): void {
    if (!mayOperate(ws.enterprise, ws.workshop, this.clock)) return;
    const target = this.rng.int(0, ws.cap);
    const maxStayMs = this.maxStayMs(ws);
    for (let i = 0; i < target; i++) {
      const since = this.clock - Math.floor(this.rng.between(0, 0.5) * (maxStayMs ?? 3_600_000));
      if (!this.enter(ws, since)) break;
    }
    if (ws.quantityCap !== null) ws.materialKg = roundKg(ws.quantityCap * this.rng.between(0.2, 0.8));
  }

  private maxStayMs(ws: WorkshopSim): number | null {
    return ws.workshop.maxDwellMinutes !== undefined ? ws.workshop.maxDwellMinutes * 60_000 * DWELL_SHARE : null;
  }

  private tick(t: number): void {
    this.runViolations(t);
    for (const ws of this.workshops) {
      if (this.active?.ws === ws) continue;
      if (!mayOperate(ws.enterprise, ws.workshop, t)) this.closeDown(ws, t);
      else if (this.onBreak(ws, t)) this.emptyOfPeople(ws, t);
      else this.work(ws, t);
    }
    for (const line of this.lines) this.produce(line);
  }

  private onBreak(ws: WorkshopSim, t: number): boolean {
    if (this.breaks.length === 0) return false;
    const minutes = localTime(t, ws.enterprise.timezone).minutes;
    return this.breaks.some((b) => minutes >= b.from && minutes < b.to);
  }

  /** Everyone walks out (a break): explosive stays where it is, under its 定量. */
  private emptyOfPeople(ws: WorkshopSim, t: number): void {
    if (ws.persons.length === 0) return;
    for (const p of ws.persons) this.door(ws, p.id, 'out', t);
    ws.persons = [];
    ws.dirty = true;
  }

  private door(ws: WorkshopSim, badge: string, direction: 'in' | 'out', ts: number): void {
    this.onDoor?.({ enterpriseId: ws.enterprise.id, workshopId: ws.workshop.id, gatewayId: ws.gatewayId, badge, direction, ts });
  }

  /** Outside hours or on a closed day nobody and no explosive may be inside: everything leaves at once. */
  private closeDown(ws: WorkshopSim, t: number): void {
    this.emptyOfPeople(ws, t);
    if (ws.materialKg !== null && ws.materialKg > 0) {
      ws.materialKg = 0;
      ws.dirty = true;
    }
  }

  private work(ws: WorkshopSim, t: number): void {
    const maxStayMs = this.maxStayMs(ws);
    if (maxStayMs !== null) {
      const before = ws.persons.length;
      for (const p of ws.persons) if (t - p.since >= maxStayMs) this.door(ws, p.id, 'out', t);
      ws.persons = ws.persons.filter((p) => t - p.since < maxStayMs);
      if (ws.persons.length !== before) ws.dirty = true;
    }
    // About one door movement per workshop every 12 s, and one material batch every 10 s.
    if (this.rng.chance(1 / 12)) {
      const wantsIn = ws.persons.length === 0 || this.rng.chance(0.5);
      if (!(wantsIn && this.enter(ws, t)) && ws.persons.length > 0) this.leave(ws, t);
    }
    if (ws.quantityCap !== null && ws.materialKg !== null && this.rng.chance(1 / 10)) {
      const batch = roundKg(ws.quantityCap * this.rng.between(0.1, 0.3));
      const up = ws.materialKg === 0 || this.rng.chance(0.5);
      const next = up ? Math.min(ws.quantityCap, ws.materialKg + batch) : Math.max(0, ws.materialKg - batch);
      if (next !== ws.materialKg) {
        ws.materialKg = roundKg(next);
        ws.dirty = true;
      }
    }
  }

  /** Admits one person when every staffing limit it touches still holds afterwards. */
  private enter(ws: WorkshopSim, since: number): boolean {
    if (ws.persons.length >= ws.cap) return false;
    const lines = ws.workshop.lines.filter((l) => this.lineHasRoom(ws, l));
    if (ws.workshop.lines.length > 0 && lines.length === 0) return false;
    const inside = new Set(ws.persons.map((p) => p.id));
    const free = ws.badges.filter((b) => !inside.has(b));
    if (free.length === 0) return false;
    const id = this.rng.pick(free);
    ws.persons.push({ id, since, lineId: lines.length > 0 ? this.rng.pick(lines) : null, extra: false });
    this.door(ws, id, 'in', since);
    ws.dirty = true;
    return true;
  }

  private lineHasRoom(ws: WorkshopSim, lineId: string): boolean {
    const own = ws.workshop.lineStaffingLimits[lineId];
    if (own !== undefined && ws.persons.filter((p) => p.lineId === lineId).length >= own) return false;
    // SPEC 4: a line's staffing limit counts the persons in its hazard class 1.1 workshops only.
    if (ws.workshop.hazardClass !== '1.1') return true;
    const line = this.lines.find((l) => l.enterprise === ws.enterprise && l.line.id === lineId);
    const limit = line?.line.staffingLimit;
    if (line === undefined || limit === undefined) return true;
    const onLine = line.workshops
      .filter((w) => w.workshop.hazardClass === '1.1')
      .reduce((n, w) => n + w.persons.filter((p) => p.lineId === lineId).length, 0);
    return onLine < limit;
  }

  private leave(ws: WorkshopSim, t: number): void {
    const [gone] = ws.persons.splice(this.rng.int(0, ws.persons.length - 1), 1);
    this.door(ws, gone!.id, 'out', t);
    ws.dirty = true;
  }

  private produce(line: LineSim): void {
    const running = line.workshops.length === 0 || line.workshops.some((w) => mayOperate(w.enterprise, w.workshop, this.clock));
    if (!running) return;
    line.carry += line.perMs * this.tickMs;
    if (line.carry >= line.box) {
      const boxes = Math.floor(line.carry / line.box);
      line.counter += boxes * line.box;
      line.carry -= boxes * line.box;
      line.dirty = true;
    }
  }

  private runViolations(t: number): void {
    if (this.active) {
      const { violation, ws } = this.active;
      if (t >= violation.until || !mayOperate(ws.enterprise, ws.workshop, t)) this.endViolation(t);
      return;
    }
    if (this.violationOptions.everySeconds === 0 || t < this.nextViolationAt) return;
    const every = this.violationOptions.everySeconds * 1000;
    const candidates = this.workshops.filter(
      (w) =>
        w.gatewayId !== null &&
        (w.workshop.staffingLimit !== undefined || w.workshop.quantityLimitKg !== undefined) &&
        mayOperate(w.enterprise, w.workshop, t),
    );
    if (candidates.length === 0) {
      this.nextViolationAt = t + every / 4;
      return;
    }
    const ws = this.rng.pick(candidates);
    const kinds: ViolationKind[] = [];
    if (ws.workshop.staffingLimit !== undefined) kinds.push('over-staffing');
    if (ws.workshop.quantityLimitKg !== undefined) kinds.push('over-quantity');
    const kind = this.rng.pick(kinds);
    const { minSeconds, maxSeconds } = this.violationOptions;
    const holdMs = Math.round(this.rng.between(minSeconds, maxSeconds) * 1000 / this.tickMs) * this.tickMs;
    const until = t + Math.max(this.tickMs, holdMs);
    const violation = kind === 'over-staffing' ? this.overStaff(ws, t, until) : this.overload(ws, t, until);
    this.history.push(violation);
    this.active = { violation, ws };
    this.onViolation?.(violation, 'start');
    this.nextViolationAt = t + every * this.rng.between(0.8, 1.2);
  }

  /** One person more than the 定员 goes in. */
  private overStaff(ws: WorkshopSim, t: number, until: number): Violation {
    const limit = ws.workshop.staffingLimit as number;
    const inside = new Set(ws.persons.map((p) => p.id));
    const free = ws.badges.filter((b) => !inside.has(b));
    while (ws.persons.length <= limit && free.length > 0) {
      const id = free.splice(this.rng.int(0, free.length - 1), 1)[0] as string;
      ws.persons.push({ id, since: t, lineId: ws.workshop.lines[0] ?? null, extra: true });
      this.door(ws, id, 'in', t);
    }
    ws.dirty = true;
    return this.violation('over-staffing', ws, t, until, ws.persons.length, limit);
  }

  /** The explosive rises 5–20 % above the 定量. */
  private overload(ws: WorkshopSim, t: number, until: number): Violation {
    const limit = ws.workshop.quantityLimitKg as number;
    ws.materialBefore = ws.materialKg;
    ws.materialKg = Math.max(roundKg(limit * this.rng.between(1.05, 1.2)), roundKg(limit + 0.5));
    ws.dirty = true;
    return this.violation('over-quantity', ws, t, until, ws.materialKg, limit);
  }

  private violation(kind: ViolationKind, ws: WorkshopSim, from: number, until: number, value: number, limit: number): Violation {
    return { kind, enterpriseId: ws.enterprise.id, workshopId: ws.workshop.id, gatewayId: ws.gatewayId as string, from, until, value, limit };
  }

  private endViolation(t: number): void {
    const { violation, ws } = this.active!;
    this.active = null;
    violation.until = t;
    if (violation.kind === 'over-staffing') {
      for (const p of ws.persons) if (p.extra) this.door(ws, p.id, 'out', t);
      ws.persons = ws.persons.filter((p) => !p.extra);
    } else {
      ws.materialKg = Math.min(ws.materialBefore ?? 0, ws.quantityCap ?? 0);
      ws.materialBefore = null;
    }
    ws.dirty = true;
    this.onViolation?.(violation, 'end');
  }

  private collect(t: number, onlyDirty: boolean): SimChange[] {
    const out: SimChange[] = [];
    for (const ws of this.workshops) {
      if (ws.gatewayId === null || (onlyDirty && !ws.dirty)) continue;
      ws.dirty = false;
      out.push({ enterpriseId: ws.enterprise.id, gatewayId: ws.gatewayId, reading: workshopReading(ws, t) });
    }
    for (const line of this.lines) {
      if (line.gatewayId === null || (onlyDirty && !line.dirty)) continue;
      line.dirty = false;
      out.push({ enterpriseId: line.enterprise.id, gatewayId: line.gatewayId, reading: lineReading(line, t) });
    }
    return out;
  }
}

function workshopReading(ws: WorkshopSim, ts: number): WorkshopReading {
  const byLine: Record<string, number> = {};
  for (const l of ws.workshop.lines) byLine[l] = ws.persons.filter((p) => p.lineId === l).length;
  return {
    workshopId: ws.workshop.id,
    ts,
    headcount: {
      total: ws.persons.length,
      ...(ws.workshop.lines.length > 0 ? { byLine } : {}),
      persons: ws.persons.map((p) => ({ id: p.id, since: p.since })),
    },
    ...(ws.materialKg !== null ? { materialKg: ws.materialKg } : {}),
  };
}

function lineReading(line: LineSim, ts: number): LineReading {
  return {
    lineId: line.line.id,
    ts,
    production: { counter: line.counter, unit: line.unit, ...(line.line.product !== undefined ? { product: line.line.product } : {}) },
  };
}

/** Scales weigh to 0.5 kg. */
function roundKg(kg: number): number {
  return Math.round(kg * 2) / 2;
}
