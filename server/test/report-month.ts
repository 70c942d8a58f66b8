// A month of the demo site, made by the real rule engine and written to a real data directory:
// the fixture of the period-report tests (issue 9). Times are Shanghai local (+08:00).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GatewayStatus, TelemetryBatch, iso, type AlarmRecord, type SiteConfig } from '@hazwatch/protocols';
import { RuleEngine, type EngineOutput } from '../src/engine/index.ts';
import { parseSiteText } from '../src/site/load.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { SqliteConfigStore } from '../src/storage/sqlite-config.ts';

export const DEMO_TEXT = readFileSync(fileURLToPath(new URL('../../examples/demo-site.yaml', import.meta.url)), 'utf8');

// The demo site, with one change: gateways may be silent for 10 days, so that one heartbeat a day
// keeps them online and a month replays in a few thousand inputs.
export const SITE_REV1_TEXT = DEMO_TEXT.replace('offlineAfterSeconds: 60 }', 'offlineAfterSeconds: 864000 }');
// Revision 2 (12 March): the charging workshop's 定量 lowered from 800 to 750 kg.
export const SITE_REV2_TEXT = SITE_REV1_TEXT.replace('quantityLimitKg: 800', 'quantityLimitKg: 750');

export const L = (local: string) => Date.parse(`${local}+08:00`);
export const REV2_AT = L('2026-03-12T10:00:00');

function parse(text: string): SiteConfig {
  const r = parseSiteText(text);
  if (!r.ok) throw new Error(`fixture site invalid: ${JSON.stringify(r.problems)}`);
  return r.site;
}

type Persons = { id: string; since: number }[];
type WorkshopState = { gw: string; total: number; byLine?: Record<string, number>; persons?: Persons; materialKg: number | null };
type Input =
  | { at: number; kind: 'telemetry'; gw: string; readings: unknown[] }
  | { at: number; kind: 'status'; gw: string; state: 'offline' | 'online' }
  | { at: number; kind: 'reconfigure' };

/**
 * The plant's state and what its gateways send. Operations are recorded out of order and run in time
 * order: a change sends the workshop's whole state as it then is, a heartbeat every workshop's.
 */
class Plant {
  private readonly ops: { at: number; run: () => Input }[] = [];
  private readonly state = new Map<string, WorkshopState>();

  constructor() {
    const base = (gw: string, total = 0, materialKg = 0): WorkshopState => ({ gw, total, materialKg });
    this.state.set('ws-emulsify', base('gw-explosive', 1, 100));
    this.state.set('ws-charging', base('gw-explosive', 1, 100));
    this.state.set('tp-emulsion', base('gw-explosive'));
    this.state.set('ws-packing', base('gw-explosive'));
    this.state.set('ws-assembly', { gw: 'gw-assembly', total: 2, byLine: { 'line-assembly-1': 1, 'line-assembly-2': 1 }, materialKg: 5 });
  }

  private reading(id: string, at: number) {
    const s = this.state.get(id)!;
    return {
      workshopId: id,
      ts: at,
      headcount: { total: s.total, ...(s.byLine ? { byLine: s.byLine } : {}), ...(s.persons ? { persons: s.persons } : {}) },
      materialKg: s.materialKg,
    };
  }

  set(local: string, id: string, patch: Partial<WorkshopState>) {
    const at = L(local);
    this.ops.push({
      at,
      run: () => {
        Object.assign(this.state.get(id)!, patch);
        return { at, kind: 'telemetry', gw: this.state.get(id)!.gw, readings: [this.reading(id, at)] };
      },
    });
  }

  counter(local: string, counter: number) {
    const at = L(local);
    this.ops.push({ at, run: () => ({ at, kind: 'telemetry', gw: 'gw-explosive', readings: [{ lineId: 'line-emulsion', ts: at, production: { counter, unit: 'kg', product: 'emulsion-explosive' } }] }) });
  }

  heartbeat(at: number, gw: string) {
    const ids = [...this.state].filter(([, s]) => s.gw === gw).map(([id]) => id);
    this.ops.push({ at, run: () => ({ at, kind: 'telemetry', gw, readings: ids.map((id) => this.reading(id, at)) }) });
  }

  offline(local: string, gw: string) {
    const at = L(local);
    this.ops.push({ at, run: () => ({ at, kind: 'status', gw, state: 'offline' }) });
  }

  reconfigure(at: number) {
    this.ops.push({ at, run: () => ({ at, kind: 'reconfigure' }) });
  }

  /** The inputs, in time order (ties in the order they were recorded). */
  *inputs(): Generator<Input> {
    for (const op of [...this.ops].sort((a, b) => a.at - b.at)) yield op.run();
  }

  get firstAt(): number {
    return Math.min(...this.ops.map((o) => o.at));
  }
}

/** Handling a person did, appended after the engine's events (acknowledge, close, shelve). */
type Action = { alarm: (a: AlarmRecord) => boolean; kind: 'acknowledged' | 'closed' | 'shelved'; local: string; by: string; note?: string; until?: string };

const of = (type: string, subject: Partial<AlarmRecord['subject']>, raisedLocal: string) => (a: AlarmRecord) =>
  a.type === type && a.raisedAt === iso(L(raisedLocal)) && Object.entries(subject).every(([k, v]) => a.subject[k as keyof AlarmRecord['subject']] === v);

export const UNTIL = L('2026-04-02T12:00:00');

/**
 * Writes revisions 1 and 2 to config.sqlite and the alarms of 27 Feb – 2 Apr 2026 to alarms.sqlite in
 * `dataDir`. Returns the site of revision 2, which the server is then started with.
 */
export async function writeDemoMonth(dataDir: string): Promise<{ site: SiteConfig }> {
  const site1 = parse(SITE_REV1_TEXT);
  const site2 = parse(SITE_REV2_TEXT);
  const configs = new SqliteConfigStore({ dataDir });
  configs.add({ site: site1, text: SITE_REV1_TEXT, source: 'file:examples/demo-site.yaml', changedBy: 'startup', changedAt: iso(L('2026-02-20T09:00:00')) });
  configs.add({ site: site2, text: SITE_REV2_TEXT, source: 'api', changedBy: 'safety-officer', changedAt: iso(REV2_AT) });
  configs.close();

  const p = new Plant();
  // Heartbeats: both gateways every day at 12:00 (the 15 March one ends gw-assembly's outage).
  for (let day = L('2026-02-27T12:00:00'); day <= UNTIL; day += 86_400_000) {
    p.heartbeat(day, 'gw-explosive');
    p.heartbeat(day, 'gw-assembly');
  }
  // 28 Feb, before the month: a quantity warning in the charging workshop (raised in February).
  p.set('2026-02-28T23:50:00', 'ws-charging', { materialKg: 730 });
  p.set('2026-03-01T00:30:00', 'ws-charging', { materialKg: 100 });
  // Raised at exactly local midnight of 1 March: 3 in the emulsifying workshop, and so 4 on the line.
  p.set('2026-02-28T23:59:55', 'ws-emulsify', { total: 3 });
  p.set('2026-03-01T00:10:00', 'ws-emulsify', { total: 1 });
  // 5 March: one person 45 minutes on the transfer platform (30 allowed).
  p.set('2026-03-05T09:00:00', 'tp-emulsion', { total: 1, persons: [{ id: 'E1001', since: L('2026-03-05T09:00:00') }] });
  p.set('2026-03-05T09:45:00', 'tp-emulsion', { total: 0, persons: [] });
  // 10 March: a quantity warning that escalates to an alarm.
  p.set('2026-03-10T10:00:00', 'ws-emulsify', { materialKg: 470 });
  p.set('2026-03-10T10:02:00', 'ws-emulsify', { materialKg: 520 });
  p.set('2026-03-10T10:20:00', 'ws-emulsify', { materialKg: 100 });
  // 15 March: the assembly gateway is off the air for two hours.
  p.offline('2026-03-15T10:00:00', 'gw-assembly');
  // 20 March: the charging workshop's scale stops answering for half an hour.
  p.set('2026-03-20T14:00:00', 'ws-charging', { materialKg: null });
  p.set('2026-03-20T14:30:00', 'ws-charging', { materialKg: 100 });
  // 22 March: the line produces more than its 40 t design day.
  p.counter('2026-03-22T08:00:00', 0);
  p.counter('2026-03-22T20:00:00', 40_001);
  // 25 March: 4 of assembly line 1 in the shared assembly workshop (3 allowed).
  p.set('2026-03-25T09:00:00', 'ws-assembly', { total: 5, byLine: { 'line-assembly-1': 4, 'line-assembly-2': 1 } });
  p.set('2026-03-25T09:05:00', 'ws-assembly', { total: 2, byLine: { 'line-assembly-1': 1, 'line-assembly-2': 1 } });
  // 28 March on: the transfer platform holds 190 kg (warning at 180) and nobody moves it.
  p.set('2026-03-28T08:00:00', 'tp-emulsion', { materialKg: 190 });
  // The month's last seconds: over-staffing raised at 23:59:55, cleared in April.
  p.set('2026-03-31T23:59:50', 'ws-emulsify', { total: 3 });
  p.set('2026-04-01T00:00:30', 'ws-emulsify', { total: 1 });
  // Raised in April (00:00:03): not March's.
  p.set('2026-03-31T23:59:58', 'ws-emulsify', { materialKg: 460 });
  p.set('2026-04-01T00:01:00', 'ws-emulsify', { materialKg: 100 });
  p.reconfigure(REV2_AT);

  const store = new SqliteAlarmStore({ dataDir });
  let n = 0;
  const engine = new RuleEngine({ site: site1, revision: 1, startedAt: p.firstAt, newId: () => `M${String(++n).padStart(4, '0')}` });
  const seq = new Map<string, number>();
  const persist = async (out: EngineOutput) => {
    if (out.transitions.length > 0) await store.append(out.transitions.map((t) => ({ kind: t.kind, at: iso(t.at), alarm: t.alarm })));
  };
  for (const input of p.inputs()) {
    if (input.kind === 'reconfigure') {
      await persist(engine.reconfigure(site2, 2, input.at));
    } else if (input.kind === 'status') {
      const status = GatewayStatus.parse({ v: 1, state: input.state, ts: input.at, agent: 'fixture/1', buffered: 0 });
      await persist(engine.apply({ kind: 'status', at: input.at, enterpriseId: 'demo-ent', gatewayId: input.gw, status }));
    } else {
      const s = (seq.get(input.gw) ?? 0) + 1;
      seq.set(input.gw, s);
      const batch = TelemetryBatch.parse({ v: 1, gatewayId: input.gw, seq: s, sentAt: input.at, readings: input.readings });
      await persist(engine.apply({ kind: 'telemetry', at: input.at, enterpriseId: 'demo-ent', gatewayId: input.gw, batch }));
    }
  }
  await persist(engine.advance(UNTIL));

  const actions: Action[] = [
    { alarm: of('over-quantity', { workshopId: 'ws-charging' }, '2026-02-28T23:50:05'), kind: 'closed', local: '2026-03-02T09:00:00', by: 'safety-officer', note: '药量超预警,已调整转运节拍' },
    { alarm: of('over-staffing', { workshopId: 'ws-emulsify' }, '2026-03-01T00:00:00'), kind: 'acknowledged', local: '2026-03-01T00:03:00', by: 'operator-1' },
    { alarm: of('over-staffing', { workshopId: 'ws-emulsify' }, '2026-03-01T00:00:00'), kind: 'closed', local: '2026-03-01T09:00:00', by: 'safety-officer', note: '交接班人员滞留,已批评教育' },
    { alarm: of('over-staffing', { lineId: 'line-emulsion' }, '2026-03-01T00:00:00'), kind: 'acknowledged', local: '2026-03-01T00:04:30', by: 'operator-1' },
    { alarm: of('over-quantity', { workshopId: 'ws-emulsify' }, '2026-03-10T10:00:05'), kind: 'acknowledged', local: '2026-03-10T10:05:00', by: 'operator-2' },
    { alarm: of('over-quantity', { workshopId: 'ws-emulsify' }, '2026-03-10T10:00:05'), kind: 'closed', local: '2026-03-10T15:00:00', by: 'safety-officer', note: '已限定单次投料量' },
    { alarm: of('gateway-offline', { gatewayId: 'gw-assembly' }, '2026-03-15T10:00:05'), kind: 'acknowledged', local: '2026-03-15T10:10:00', by: 'operator-1' },
    { alarm: of('gateway-offline', { gatewayId: 'gw-assembly' }, '2026-03-15T10:00:05'), kind: 'closed', local: '2026-03-15T13:00:00', by: 'it-support', note: '交换机断电,已恢复' },
    { alarm: of('sensor-fault', { workshopId: 'ws-charging' }, '2026-03-20T14:00:05'), kind: 'shelved', local: '2026-03-20T14:01:00', by: 'shift-lead', note: '秤检修', until: '2026-03-20T16:00:00' },
    { alarm: of('sensor-fault', { workshopId: 'ws-charging' }, '2026-03-20T14:00:05'), kind: 'acknowledged', local: '2026-03-20T14:02:00', by: 'shift-lead' },
    { alarm: of('over-staffing', { workshopId: 'ws-assembly', lineId: 'line-assembly-1' }, '2026-03-25T09:00:05'), kind: 'acknowledged', local: '2026-03-25T09:20:00', by: 'operator-3' },
    // Closed after the month ended: closed as recorded, but open at the end of March.
    { alarm: of('over-staffing', { workshopId: 'ws-assembly', lineId: 'line-assembly-1' }, '2026-03-25T09:00:05'), kind: 'closed', local: '2026-04-01T10:00:00', by: 'safety-officer', note: '装配一线人员调整' },
  ];
  const all = await store.list({ state: 'all', limit: 1000 });
  for (const act of actions) {
    const found = all.filter(act.alarm);
    if (found.length !== 1) throw new Error(`fixture: ${act.kind} at ${act.local} matches ${found.length} alarms`);
    const current = (await store.get(found[0]!.id))!;
    const at = iso(L(act.local));
    const changes: Record<string, unknown> =
      act.kind === 'acknowledged'
        ? { acknowledgedAt: at, acknowledgedBy: act.by }
        : act.kind === 'closed'
          ? { closedAt: at, closedBy: act.by, rectification: act.note }
          : { shelvedAt: at, shelvedBy: act.by, shelvedUntil: iso(L(act.until!)), shelveReason: act.note };
    const detail = act.kind === 'shelved' ? { action: 'shelved', reason: act.note, until: iso(L(act.until!)) } : null;
    await store.append([{ kind: act.kind, at, alarm: { ...current, ...changes } as AlarmRecord, by: act.by, detail }]);
  }
  await store.close();
  return { site: site2 };
}
