// Local alarms: the staffing and quantity rules of SPEC 4, evaluated at the gateway on the limits of
// the cached `config`, so a siren or light on site responds even while the platform is out of reach.
// Same conditions and debounce as the platform (held `raiseAfterSeconds` → on, false for
// `clearAfterSeconds` → off; an unknown value keeps its last known one), but on the gateway's own clock:
// these are for the people in the building now, not a record — the platform keeps the record.
import type { Logger } from 'pino';
import type { GatewayConfigPayload, Reading } from '@hazwatch/protocols';
import type { Clock, TimerHandle } from '../clock.ts';

export type LocalAlarmType = 'over-staffing' | 'over-quantity';
export type LocalAlarm = {
  type: LocalAlarmType;
  level: 'warning' | 'alarm';
  subject: { workshopId?: string; lineId?: string };
  value: number;
  limit: number;
  /** Gateway clock, epoch ms. */
  raisedAt: number;
};

type Condition = Omit<LocalAlarm, 'raisedAt'> & { key: string; raiseAfterMs: number; clearAfterMs: number };
type Track = { condition: Condition; holdingSince: number | null; falseSince: number | null; active: boolean; raisedAt: number };
type Facts = { total: number; byLine: Record<string, number>; materialKg: number };

export class LocalAlarms {
  private config: GatewayConfigPayload | null = null;
  /** Last known values per workshop (SPEC 4: an unknown value keeps its last known one, 0 if never known). */
  private readonly facts = new Map<string, Facts>();
  private readonly tracks = new Map<string, Track>();
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly deps: { clock: Clock; logger: Logger; onChange: (active: LocalAlarm[]) => void },
  ) {}

  get active(): LocalAlarm[] {
    return [...this.tracks.values()].filter((t) => t.active).map((t) => ({ ...stripKey(t.condition), raisedAt: t.raisedAt }));
  }

  get revision(): number | null {
    return this.config?.revision ?? null;
  }

  setConfig(config: GatewayConfigPayload): void {
    this.config = config;
    this.evaluate();
  }

  /** A workshop's merged state changed. */
  update(r: Reading): void {
    if (!('workshopId' in r)) return;
    const f = this.facts.get(r.workshopId) ?? { total: 0, byLine: {}, materialKg: 0 };
    if (r.headcount && r.headcount.total !== null) {
      f.total = r.headcount.total;
      f.byLine = { ...f.byLine, ...(r.headcount.byLine ?? {}) };
    }
    if (r.materialKg !== undefined && r.materialKg !== null) f.materialKg = r.materialKg;
    this.facts.set(r.workshopId, f);
    this.evaluate();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private conditions(): Condition[] {
    const c = this.config;
    if (!c) return [];
    const out: Condition[] = [];
    const timing = (t: { raiseAfterSeconds: number; clearAfterSeconds: number }) => ({ raiseAfterMs: t.raiseAfterSeconds * 1000, clearAfterMs: t.clearAfterSeconds * 1000 });
    const add = (x: Omit<Condition, 'key'>) => out.push({ ...x, key: `${x.type}|${x.subject.workshopId ?? ''}|${x.subject.lineId ?? ''}|${x.level}` });
    for (const w of c.workshops) {
      const f = this.facts.get(w.id);
      if (!f) continue;
      const t = timing(w);
      if (w.staffingLimit !== null && f.total > w.staffingLimit) add({ type: 'over-staffing', level: 'alarm', subject: { workshopId: w.id }, value: f.total, limit: w.staffingLimit, ...t });
      for (const [line, limit] of Object.entries(w.lineStaffingLimits)) {
        const n = f.byLine[line];
        if (n !== undefined && n > limit) add({ type: 'over-staffing', level: 'alarm', subject: { workshopId: w.id, lineId: line }, value: n, limit, ...t });
      }
      if (w.quantityLimitKg !== null && f.materialKg > w.quantityLimitKg) add({ type: 'over-quantity', level: 'alarm', subject: { workshopId: w.id }, value: f.materialKg, limit: w.quantityLimitKg, ...t });
      if (w.quantityWarnKg !== null && f.materialKg > w.quantityWarnKg) add({ type: 'over-quantity', level: 'warning', subject: { workshopId: w.id }, value: f.materialKg, limit: w.quantityWarnKg, ...t });
    }
    const mine = new Map(c.workshops.map((w) => [w.id, w]));
    for (const l of c.lines) {
      // The line's limit counts all its 1.1 workshops; a gateway that sees only some of them cannot judge it.
      if (l.staffingLimit === null || l.staffingWorkshops.length === 0 || !l.staffingWorkshops.every((id) => mine.has(id))) continue;
      let sum = 0;
      for (const id of l.staffingWorkshops) {
        const f = this.facts.get(id);
        if (!f) continue;
        sum += f.byLine[l.id] ?? (mine.get(id)!.lines.length === 1 ? f.total : 0);
      }
      if (sum > l.staffingLimit) add({ type: 'over-staffing', level: 'alarm', subject: { lineId: l.id }, value: sum, limit: l.staffingLimit, raiseAfterMs: l.raiseAfterSeconds * 1000, clearAfterMs: l.clearAfterSeconds * 1000 });
    }
    return out;
  }

  private evaluate(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const current = new Map(this.conditions().map((c) => [c.key, c]));
    let changed = false;
    for (const [key, condition] of current) {
      let t = this.tracks.get(key);
      if (!t) this.tracks.set(key, (t = { condition, holdingSince: now, falseSince: null, active: false, raisedAt: 0 }));
      t.condition = condition;
      t.holdingSince ??= now;
      t.falseSince = null;
      if (!t.active && now - t.holdingSince >= condition.raiseAfterMs) {
        t.active = true;
        t.raisedAt = now;
        changed = true;
        this.deps.logger.warn({ alarm: stripKey(condition) }, `local alarm: ${describe(condition)}`);
      }
    }
    for (const [key, t] of this.tracks) {
      if (current.has(key)) continue;
      t.holdingSince = null;
      if (!t.active) {
        this.tracks.delete(key);
        continue;
      }
      t.falseSince ??= now;
      if (now - t.falseSince >= t.condition.clearAfterMs) {
        this.tracks.delete(key);
        changed = true;
        this.deps.logger.info({ alarm: stripKey(t.condition) }, `local alarm cleared: ${describe(t.condition)}`);
      }
    }
    this.schedule(now);
    if (changed) this.deps.onChange(this.active);
  }

  /** One timer, at the next moment a condition has held (or been false) long enough. */
  private schedule(now: number): void {
    this.timer?.cancel();
    this.timer = null;
    let due = Infinity;
    for (const t of this.tracks.values()) {
      if (!t.active && t.holdingSince !== null) due = Math.min(due, t.holdingSince + t.condition.raiseAfterMs);
      if (t.active && t.falseSince !== null) due = Math.min(due, t.falseSince + t.condition.clearAfterMs);
    }
    if (due !== Infinity) this.timer = this.deps.clock.timeout(() => this.evaluate(), Math.max(0, due - now));
  }
}

function stripKey(c: Condition): Omit<LocalAlarm, 'raisedAt'> {
  return { type: c.type, level: c.level, subject: c.subject, value: c.value, limit: c.limit };
}

function describe(c: Condition): string {
  const where = [c.subject.workshopId, c.subject.lineId].filter(Boolean).join(' / ');
  const term = c.type === 'over-staffing' ? '超员' : c.level === 'warning' ? '超量预警' : '超量';
  return `${term} ${c.type} in ${where}: ${c.value} against a limit of ${c.limit}`;
}
