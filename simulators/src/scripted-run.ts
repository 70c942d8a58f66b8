// A scripted run of the site simulator written out in the scenario format (scenarios/README.md): the
// inputs its gateways would deliver — changes as they happen, a heartbeat of the whole state, status
// on a crash, a backlog after a network cut, readings stamped by a skewed clock — and the alarms the
// script implies, worked out from the script and SPEC 4 (not from the engine). A simulated day thus
// doubles as a scenario, checked by the same runner as the hand-written ones.
import { isWorkshopReading, resolveTiming, type Enterprise, type Reading, type SiteConfig, type WorkshopReading } from '@hazwatch/protocols';
import { SiteSimulator, type ShiftBreak } from './site-sim.ts';

export type ScriptEvent =
  /** One person more than the workshop's 定员 for `seconds` (超员). */
  | { kind: 'extra-person'; workshopId: string; at: number; seconds: number }
  /** Explosive 10 % over the 定量 for `seconds` (超量). */
  | { kind: 'overload'; workshopId: string; at: number; seconds: number }
  /** A person stays `seconds` after the workshop's operating window closed at `at` (超时, outside-hours). */
  | { kind: 'after-hours'; workshopId: string; at: number; seconds: number }
  /** The line's totaliser jumps by a whole day's design capacity at `at` (超产, day). */
  | { kind: 'over-production'; lineId: string; at: number }
  /** The workshop's scale answers nothing (`materialKg: null`) for `seconds` (sensor fault). */
  | { kind: 'scale-silent'; workshopId: string; at: number; seconds: number }
  /** The agent dies at `at` (its last will says offline) and restarts `seconds` later; readings meanwhile are never taken. */
  | { kind: 'gateway-crash'; gatewayId: string; at: number; seconds: number }
  /** The gateway's network is cut for `seconds`: it spools, and delivers the backlog when it is back. */
  | { kind: 'network-cut'; gatewayId: string; at: number; seconds: number }
  /** From `at` on the gateway's clock runs `seconds` ahead (less than the 5 minutes SPEC 2 accepts). */
  | { kind: 'clock-skew'; gatewayId: string; at: number; seconds: number };

export type ScriptedRunOptions = {
  name: string;
  description: string;
  site: SiteConfig;
  seed: number | string;
  start: number;
  end: number;
  /** Simulated time per step (ms); default 1000. Coarser steps make smaller files. */
  tickMs?: number;
  /** Every gateway publishes its whole state this often (must be below offlineAfterSeconds). */
  heartbeatSeconds?: number;
  breaks?: ShiftBreak[];
  events: ScriptEvent[];
};

export type ExpectedAlarm = {
  enterpriseId: string;
  type: string;
  reason: string | null;
  level: 'warning' | 'alarm';
  subject: Record<string, string>;
  raisedAt: string;
  clearedAt: string | null;
};

export type ScenarioDoc = {
  name: string;
  description: string;
  site: SiteConfig;
  inputs: Record<string, unknown>[];
  until: string;
  expect: { alarms: ExpectedAlarm[] };
};

type Gw = { ent: Enterprise; id: string; workshops: Set<string>; lines: Set<string>; seq: number; lastSentAt: number; held: Record<string, unknown>[] };

const iso = (ms: number) => new Date(ms).toISOString();
const inWindow = (t: number, e: { at: number; seconds: number }) => t >= e.at && t < e.at + e.seconds * 1000;

export function scriptedRun(o: ScriptedRunOptions): ScenarioDoc {
  const sim = new SiteSimulator({ site: o.site, seed: o.seed, start: o.start, violations: { everySeconds: 0 }, ...(o.tickMs ? { tickMs: o.tickMs } : {}), ...(o.breaks ? { breaks: o.breaks } : {}) });
  const heartbeatMs = (o.heartbeatSeconds ?? 30) * 1000;
  const gws = new Map<string, Gw>();
  for (const ent of o.site.enterprises) {
    for (const g of ent.gateways) gws.set(`${ent.id}/${g.id}`, { ent, id: g.id, workshops: new Set(g.workshops), lines: new Set(g.lines), seq: 0, lastSentAt: -Infinity, held: [] });
  }
  const gatewayOf = (kind: 'workshops' | 'lines', id: string) => {
    const g = [...gws.values()].find((x) => x[kind].has(id));
    if (!g) throw new Error(`script: no gateway reports ${kind === 'workshops' ? 'workshop' : 'line'} ${id}`);
    return g;
  };
  const gatewayById = (id: string) => {
    const g = [...gws.values()].find((x) => x.id === id);
    if (!g) throw new Error(`script: no gateway ${id}`);
    return g;
  };
  const ev = o.events;
  // Readings exist only at step times: an event between two steps would never be seen.
  for (const e of ev) {
    for (const t of [e.at, ...('seconds' in e && e.kind !== 'clock-skew' ? [e.at + e.seconds * 1000] : [])]) {
      if ((t - o.start) % sim.tickMs !== 0 || t <= o.start || t > o.end) throw new Error(`script: ${e.kind} at ${iso(t)} is not a step of the run (every ${sim.tickMs} ms from ${iso(o.start)} to ${iso(o.end)})`);
    }
  }
  const skewAt = (g: Gw, t: number) => ev.reduce((s, e) => (e.kind === 'clock-skew' && e.gatewayId === g.id && t >= e.at ? e.seconds * 1000 : s), 0);
  const counterOffset = new Map<string, number>();

  /** The script's hand on a reading: what the violating or faulty source reports instead. */
  const override = (r: Reading, t: number, g: Gw): Reading => {
    if (!isWorkshopReading(r)) {
      const extra = counterOffset.get(r.lineId) ?? 0;
      return extra ? { ...r, production: { ...r.production, counter: r.production.counter + extra } } : r;
    }
    const w = g.ent.workshops.find((x) => x.id === r.workshopId)!;
    let out: WorkshopReading = r;
    for (const e of ev) {
      if (!('workshopId' in e) || e.workshopId !== r.workshopId || !inWindow(t, e)) continue;
      if (e.kind === 'extra-person' || e.kind === 'after-hours') {
        const persons = [...(out.headcount?.persons ?? [])];
        const want = e.kind === 'extra-person' ? (w.staffingLimit ?? 0) + 1 : Math.max(1, persons.length);
        for (let i = 0; persons.length < want; i++) persons.push({ id: `X${i + 1}-${w.id}`.slice(0, 64), since: e.kind === 'extra-person' ? e.at : e.at - 600_000 });
        const byLine = w.lines.length === 1 ? { [w.lines[0]!]: persons.length } : out.headcount?.byLine;
        out = { ...out, headcount: { total: persons.length, ...(byLine ? { byLine } : {}), persons } };
      } else if (e.kind === 'overload') out = { ...out, materialKg: Math.round((w.quantityLimitKg ?? 0) * 1.1 * 2) / 2 };
      else if (e.kind === 'scale-silent') out = { ...out, materialKg: null };
    }
    return out;
  };

  const inputs: Record<string, unknown>[] = [];
  const telemetry = (g: Gw, at: number, readings: Reading[]) => {
    const skew = skewAt(g, at);
    const batch = { v: 1, gatewayId: g.id, seq: ++g.seq, sentAt: at + skew, readings: readings.map((r) => ({ ...r, ts: (r.ts as number) + skew })) };
    g.lastSentAt = at;
    return { at: iso(at), enterpriseId: g.ent.id, gatewayId: g.id, telemetry: batch };
  };
  const status = (g: Gw, at: number, state: 'online' | 'offline') => ({ at: iso(at), enterpriseId: g.ent.id, gatewayId: g.id, status: { v: 1, state, ts: at, agent: 'simulator/1', buffered: g.held.length } });
  const crashed = (g: Gw, t: number) => ev.some((e) => e.kind === 'gateway-crash' && e.gatewayId === g.id && inWindow(t, e));
  const cut = (g: Gw, t: number) => ev.some((e) => e.kind === 'network-cut' && e.gatewayId === g.id && inWindow(t, e));
  // Heard from last (platform arrival) before each cut, for the silence alarm it implies.
  const heardBeforeCut = new Map<ScriptEvent, number>();

  // Everything that starts or ends at an instant makes its subject report then, changed or not.
  const boundaries = new Map<number, Set<string>>();
  const mark = (t: number, key: string) => (boundaries.get(t) ?? boundaries.set(t, new Set()).get(t)!).add(key);
  for (const e of ev) {
    if ('workshopId' in e) {
      mark(e.at, `w:${e.workshopId}`);
      mark(e.at + e.seconds * 1000, `w:${e.workshopId}`);
    } else if (e.kind === 'over-production') mark(e.at, `l:${e.lineId}`);
  }

  for (let t = o.start + sim.tickMs; t <= o.end; t += sim.tickMs) {
    const changes = sim.advanceTo(t);
    for (const e of ev) if (e.kind === 'over-production' && e.at === t) {
      const line = gatewayOf('lines', e.lineId).ent.lines.find((l) => l.id === e.lineId)!;
      counterOffset.set(e.lineId, (counterOffset.get(e.lineId) ?? 0) + (line.capacity?.perDay ?? 0));
    }
    for (const g of gws.values()) {
      const wasCrashed = crashed(g, t - sim.tickMs);
      if (crashed(g, t)) {
        if (!wasCrashed) inputs.push(status(g, t, 'offline'));
        continue;
      }
      if (cut(g, t) && !cut(g, t - sim.tickMs)) heardBeforeCut.set(ev.find((e) => e.kind === 'network-cut' && e.gatewayId === g.id && e.at === t)!, g.lastSentAt);
      const snapshot = sim.snapshot({ enterpriseId: g.ent.id, gatewayId: g.id }).map((c) => c.reading);
      const key = (r: Reading) => (isWorkshopReading(r) ? `w:${r.workshopId}` : `l:${r.lineId}`);
      const mine = changes.filter((c) => c.enterpriseId === g.ent.id && c.gatewayId === g.id).map((c) => c.reading);
      const forced = boundaries.get(t);
      const restarted = wasCrashed;
      if (restarted) inputs.push(status(g, t, 'online'));
      let readings: Reading[];
      if (restarted || t - g.lastSentAt >= heartbeatMs) readings = snapshot;
      else {
        const have = new Set(mine.map(key));
        readings = [...mine, ...snapshot.filter((r) => forced?.has(key(r)) && !have.has(key(r)))];
      }
      // Back from a cut: the spool goes first, in seq order, all arriving now.
      if (!cut(g, t) && g.held.length > 0) for (const h of g.held.splice(0)) inputs.push({ ...h, at: iso(t) });
      if (readings.length === 0) continue;
      const input = telemetry(g, t, readings.map((r) => override(r, t, g)));
      // Spooled: the batch keeps its seq and times, and arrives when the network is back.
      if (cut(g, t)) g.held.push(input);
      else inputs.push(input);
    }
  }

  // The alarms the script implies (SPEC 4), with each subject's own timing.
  const alarms: ExpectedAlarm[] = [];
  const until = o.end;
  const closed = (at: number) => (at <= until ? iso(at) : null);
  for (const e of ev) {
    if (e.kind === 'clock-skew') continue;
    if ('workshopId' in e) {
      const g = gatewayOf('workshops', e.workshopId);
      const w = g.ent.workshops.find((x) => x.id === e.workshopId)!;
      const line = w.lines.length === 1 ? g.ent.lines.find((l) => l.id === w.lines[0]) : undefined;
      const timing = resolveTiming(o.site.defaults, w, line);
      const skewStart = skewAt(g, e.at);
      const skewEnd = skewAt(g, e.at + e.seconds * 1000);
      const [type, reason] = {
        'extra-person': ['over-staffing', null],
        overload: ['over-quantity', null],
        'after-hours': ['over-time', 'outside-hours'],
        'scale-silent': ['sensor-fault', 'quantity-unknown'],
      }[e.kind] as [string, string | null];
      alarms.push({
        enterpriseId: g.ent.id, type, reason, level: 'alarm', subject: { workshopId: w.id },
        raisedAt: iso(e.at + skewStart + timing.raiseAfterSeconds * 1000),
        clearedAt: closed(e.at + e.seconds * 1000 + skewEnd + timing.clearAfterSeconds * 1000),
      });
    } else if (e.kind === 'over-production') {
      const g = gatewayOf('lines', e.lineId);
      const line = g.ent.lines.find((l) => l.id === e.lineId)!;
      const timing = resolveTiming(o.site.defaults, line);
      // A day's output clears at local midnight (the script keeps runs within one local day).
      alarms.push({ enterpriseId: g.ent.id, type: 'over-production', reason: 'day', level: 'alarm', subject: { lineId: line.id }, raisedAt: iso(e.at + skewAt(g, e.at) + timing.raiseAfterSeconds * 1000), clearedAt: null });
    } else {
      const g = gatewayById(e.gatewayId);
      const timing = resolveTiming(o.site.defaults);
      const back = e.at + e.seconds * 1000;
      if (e.kind === 'gateway-crash') {
        alarms.push({ enterpriseId: g.ent.id, type: 'gateway-offline', reason: null, level: 'alarm', subject: { gatewayId: g.id }, raisedAt: iso(e.at + timing.raiseAfterSeconds * 1000), clearedAt: closed(back + timing.clearAfterSeconds * 1000) });
      } else {
        // Silence: offline `offlineAfterSeconds` after it was last heard, raised `raiseAfterSeconds` later.
        const raised = heardBeforeCut.get(e)! + (timing.offlineAfterSeconds + timing.raiseAfterSeconds) * 1000;
        if (raised <= back) alarms.push({ enterpriseId: g.ent.id, type: 'gateway-offline', reason: null, level: 'alarm', subject: { gatewayId: g.id }, raisedAt: iso(raised), clearedAt: closed(back + timing.clearAfterSeconds * 1000) });
      }
    }
  }
  alarms.sort((a, b) => a.raisedAt.localeCompare(b.raisedAt) || a.type.localeCompare(b.type));
  return { name: o.name, description: o.description, site: o.site, inputs, until: iso(until), expect: { alarms } };
}
