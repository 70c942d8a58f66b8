import { describe, expect, it } from 'vitest';
import { SiteConfig, type SiteConfigInput, type TelemetryBatchInput, TelemetryBatch } from '@hazwatch/protocols';
import { RuleEngine, type EngineOutput } from '../src/engine/index.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const s = (sec: number) => T0 + sec * 1000;

function site(patch: (e: SiteConfigInput['enterprises'][number]) => void = () => {}): SiteConfig {
  const ent: SiteConfigInput['enterprises'][number] = {
    id: 'ent-1',
    name: '示例民爆器材有限公司',
    region: '370306',
    timezone: 'Asia/Shanghai',
    lines: [{ id: 'line-1', name: '乳化炸药生产线', kind: 'explosive', staffingLimit: 3, product: 'emulsion' }],
    workshops: [
      { id: 'ws-1', name: '乳化工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 500, quantityWarnKg: 450 },
      { id: 'ws-2', name: '装药工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2 },
    ],
    gateways: [{ id: 'gw-1', workshops: ['ws-1', 'ws-2'], lines: ['line-1'] }],
  };
  patch(ent);
  return SiteConfig.parse({ defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 3600 }, enterprises: [ent] });
}

let seq = 0;
function batch(readings: TelemetryBatchInput['readings'], gatewayId = 'gw-1') {
  return TelemetryBatch.parse({ v: 1, gatewayId, seq: ++seq, sentAt: T0, readings });
}
const hc = (workshopId: string, at: number, total: number | null) => ({ workshopId, ts: at, headcount: { total } });

function feed(e: RuleEngine, at: number, readings: TelemetryBatchInput['readings']): EngineOutput {
  return e.apply({ kind: 'telemetry', at, enterpriseId: 'ent-1', gatewayId: 'gw-1', batch: batch(readings) });
}

describe('RuleEngine', () => {
  it('raises at onset + raiseAfterSeconds by timer and clears clearAfterSeconds after the condition ends', () => {
    const e = new RuleEngine({ site: site(), revision: 7, startedAt: s(0) });
    feed(e, s(0), [hc('ws-1', s(0), 3)]);
    const out = e.advance(s(60));
    expect(out.transitions.map((t) => [t.kind, t.alarm.raisedAt])).toEqual([['raised', new Date(s(5)).toISOString()]]);
    const a = out.transitions[0]!.alarm;
    expect(a).toMatchObject({ type: 'over-staffing', value: 3, limit: 2, late: false, configRevision: 7 });
    const cleared = feed(e, s(70), [hc('ws-1', s(70), 2)]);
    expect(cleared.transitions).toEqual([]);
    const done = e.advance(s(75));
    expect(done.transitions.map((t) => t.kind)).toEqual(['cleared']);
    expect(done.transitions[0]!.alarm.clearedAt).toBe(new Date(s(75)).toISOString());
    expect(e.activeAlarms()).toEqual([]);
  });

  it('reports live staffing state: full at the limit, over above it, unverifiable while offline or unknown', () => {
    const e = new RuleEngine({ site: site(), revision: 1, startedAt: s(0) });
    const ws = () => Object.fromEntries(e.workshops().map((w) => [w.workshopId, w.status]));
    expect(ws()).toEqual({ 'ws-1': 'unverifiable', 'ws-2': 'unverifiable' });
    feed(e, s(1), [hc('ws-1', s(1), 2), hc('ws-2', s(1), 3)]);
    expect(ws()).toEqual({ 'ws-1': 'full', 'ws-2': 'over' });
    expect(e.lines()[0]).toMatchObject({ headcount: 5, staffingLimit: 3, status: 'over' });
    feed(e, s(2), [hc('ws-1', s(2), null)]);
    expect(ws()['ws-1']).toBe('unverifiable');
    e.apply({ kind: 'status', at: s(3), enterpriseId: 'ent-1', gatewayId: 'gw-1', status: { v: 1, state: 'offline', ts: s(3) } });
    expect(ws()).toEqual({ 'ws-1': 'unverifiable', 'ws-2': 'unverifiable' });
  });

  it('marks alarms found in a late store-and-forward batch as late, raised in the past', () => {
    const e = new RuleEngine({ site: site(), revision: 1, startedAt: s(0) });
    feed(e, s(0), [hc('ws-1', s(0), 1)]);
    e.apply({ kind: 'status', at: s(10), enterpriseId: 'ent-1', gatewayId: 'gw-1', status: { v: 1, state: 'offline', ts: s(10) } });
    e.advance(s(600));
    const out = feed(e, s(600), [hc('ws-1', s(100), 3), hc('ws-1', s(200), 1)]);
    const staffing = out.transitions.filter((t) => t.alarm.type === 'over-staffing');
    expect(staffing.map((t) => [t.kind, t.alarm.raisedAt, t.alarm.clearedAt, t.alarm.late])).toEqual([
      ['raised', new Date(s(105)).toISOString(), null, true],
      ['cleared', new Date(s(105)).toISOString(), new Date(s(205)).toISOString(), true],
    ]);
    expect(staffing[0]!.alarm.detectedAt).toBe(new Date(s(600)).toISOString());
  });

  it('restores from a JSON snapshot without raising again what is active or forgetting what is pending', () => {
    const opts = { site: site(), revision: 1, startedAt: s(0) };
    const e = new RuleEngine(opts);
    feed(e, s(0), [hc('ws-1', s(0), 3)]);
    e.advance(s(10)); // ws-1 alarm active
    feed(e, s(10), [hc('ws-2', s(10), 3)]); // ws-2 pending, due at s(15)
    const snap = JSON.parse(JSON.stringify(e.snapshot()));
    const r = RuleEngine.restore(opts, snap);
    expect(r.activeAlarms().map((a) => a.subject)).toEqual([{ workshopId: 'ws-1' }]);
    const out = r.advance(s(20));
    // ws-2 (3 > 2) and the line (3 + 3 > 3) were pending, and raise at their original due time.
    expect(out.transitions.map((t) => [t.kind, t.alarm.subject, t.alarm.raisedAt])).toEqual([
      ['raised', { workshopId: 'ws-2' }, new Date(s(15)).toISOString()],
      ['raised', { lineId: 'line-1' }, new Date(s(15)).toISOString()],
    ]);
    expect(r.activeAlarms()[0]!.id).toBe(e.activeAlarms()[0]!.id);
  });

  it('applies a new revision without losing state and clears alarms whose rule disappeared, saying why', () => {
    const e = new RuleEngine({ site: site(), revision: 1, startedAt: s(0) });
    feed(e, s(0), [hc('ws-1', s(0), 3), hc('ws-2', s(0), 3)]);
    e.advance(s(10));
    expect(e.activeAlarms()).toHaveLength(3); // ws-1, ws-2 and line-1 (6 > 3)
    const next = site((ent) => {
      ent.workshops![0]!.staffingLimit = 4; // ws-1 now within its limit
      delete ent.workshops![1]!.staffingLimit; // ws-2 has no limit any more
    });
    const out = e.reconfigure(next, 2, s(20));
    expect(out.transitions.map((t) => [t.kind, t.alarm.subject, t.alarm.clearReason])).toEqual([
      ['cleared', { workshopId: 'ws-2' }, 'limit-removed'],
    ]);
    const later = e.advance(s(30));
    expect(later.transitions.map((t) => [t.kind, t.alarm.subject, t.alarm.clearedAt])).toEqual([
      ['cleared', { workshopId: 'ws-1' }, new Date(s(25)).toISOString()],
    ]);
    // The line alarm carried over untouched, under the revision that raised it.
    expect(e.activeAlarms()).toMatchObject([{ subject: { lineId: 'line-1' }, configRevision: 1 }]);
    feed(e, s(40), [hc('ws-1', s(40), 5)]);
    const raised = e.advance(s(50)).transitions.find((t) => t.kind === 'raised');
    expect(raised?.alarm).toMatchObject({ subject: { workshopId: 'ws-1' }, limit: 4, configRevision: 2 });
  });

  it('clears with subject-removed when the workshop leaves the configuration', () => {
    const e = new RuleEngine({ site: site(), revision: 1, startedAt: s(0) });
    feed(e, s(0), [hc('ws-2', s(0), 3)]);
    e.advance(s(10));
    const next = site((ent) => {
      ent.workshops = ent.workshops!.slice(0, 1);
      ent.gateways = [{ id: 'gw-1', workshops: ['ws-1'], lines: ['line-1'] }];
    });
    const out = e.reconfigure(next, 2, s(20));
    expect(out.transitions.map((t) => [t.alarm.subject, t.alarm.clearReason])).toEqual([[{ workshopId: 'ws-2' }, 'subject-removed']]);
  });

  it('keeps an active dwell alarm across a restart even after the person has left', () => {
    const opts = { site: site((ent) => (ent.workshops![0]!.maxDwellMinutes = 1)), revision: 1, startedAt: s(0) };
    const e = new RuleEngine(opts);
    feed(e, s(0), [{ workshopId: 'ws-1', ts: s(0), headcount: { total: 1, persons: [{ id: 'E1', since: s(0) }] } }]);
    e.advance(s(70));
    feed(e, s(80), [{ workshopId: 'ws-1', ts: s(80), headcount: { total: 0, persons: [] } }]); // clear due s(85)
    const r = RuleEngine.restore(opts, JSON.parse(JSON.stringify(e.snapshot())));
    expect(r.activeAlarms().map((a) => a.subject)).toEqual([{ workshopId: 'ws-1', personId: 'E1' }]);
    expect(r.advance(s(90)).transitions.map((t) => [t.kind, t.alarm.clearedAt])).toEqual([['cleared', new Date(s(85)).toISOString()]]);
  });

  it('nextDue tells the live scheduler when to wake', () => {
    const e = new RuleEngine({ site: site(), revision: 1, startedAt: s(0) });
    feed(e, s(0), [hc('ws-1', s(0), 3)]);
    expect(e.nextDue()).toBe(s(5));
  });
});

describe('RuleEngine.resume', () => {
  it('fires what fell due while the platform was down as late, without blaming the gateways for the silence', () => {
    const opts = { site: site(), revision: 1, startedAt: s(0) };
    const e = new RuleEngine(opts);
    feed(e, s(0), [hc('ws-1', s(0), 3)]); // raise due at s(5)
    const r = RuleEngine.restore(opts, JSON.parse(JSON.stringify(e.snapshot())));
    const out = r.resume(s(7200)); // two hours down: longer than offlineAfterSeconds (3600)
    expect(out.transitions.map((t) => [t.kind, t.alarm.type, t.alarm.raisedAt, t.alarm.late])).toEqual([
      ['raised', 'over-staffing', new Date(s(5)).toISOString(), true],
    ]);
    expect(r.advance(s(7200 + 3599)).transitions).toEqual([]);
    expect(r.advance(s(7200 + 3600 + 5)).transitions.map((t) => [t.alarm.type, t.alarm.raisedAt])).toEqual([
      ['gateway-offline', new Date(s(7200 + 3605)).toISOString()],
    ]);
  });
});
