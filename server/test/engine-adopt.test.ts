// An alarm the ledger has active that the rule engine does not hold (its state lost, or not
// restorable) is adopted at start: held by the tracker of its rule, it then goes exactly as one the
// engine raised itself (rules/orphaned-alarms.ts, RuleEngine.adopt).
import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch, type AlarmRecord, type SiteConfigInput, type TelemetryBatchInput } from '@hazwatch/protocols';
import { RuleEngine, type EngineOutput } from '../src/engine/index.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const s = (sec: number) => T0 + sec * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

function site(patch: (e: SiteConfigInput['enterprises'][number]) => void = () => {}): SiteConfig {
  const ent: SiteConfigInput['enterprises'][number] = {
    id: 'ent-1',
    name: '示例民爆器材有限公司',
    region: '370306',
    timezone: 'Asia/Shanghai',
    lines: [{ id: 'line-1', name: '乳化炸药生产线', kind: 'explosive', product: 'emulsion' }],
    workshops: [
      { id: 'ws-1', name: '乳化工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2, quantityLimitKg: 500, quantityWarnKg: 450, maxDwellMinutes: 60 },
      { id: 'ws-2', name: '装药工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2 },
    ],
    gateways: [{ id: 'gw-1', workshops: ['ws-1', 'ws-2'], lines: ['line-1'] }],
  };
  patch(ent);
  return SiteConfig.parse({ defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 3600 }, enterprises: [ent] });
}

let seq = 0;
function feed(e: RuleEngine, at: number, readings: TelemetryBatchInput['readings']): EngineOutput {
  return e.apply({ kind: 'telemetry', at, enterpriseId: 'ent-1', gatewayId: 'gw-1', batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw-1', seq: ++seq, sentAt: T0, readings }) });
}
const hc = (workshopId: string, at: number, total: number) => ({ workshopId, ts: at, headcount: { total } });

/** An alarm as the ledger holds it, raised before the engine's state was lost. */
function orphan(id: string, patch: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    id, type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: { workshopId: 'ws-1' },
    value: 3, peak: 4, limit: 2, since: iso(s(-100)), raisedAt: iso(s(-95)), escalatedAt: null, clearedAt: null, clearReason: null,
    detectedAt: iso(s(-95)), late: false, configRevision: 3, ...patch,
  };
}

const kinds = (out: EngineOutput) => out.transitions.map((t) => [t.kind, t.alarm.id, t.at]);

describe('RuleEngine.adopt', () => {
  it('holds an orphan as raised, raises nothing while the condition holds, and clears it once with its id when it ends', () => {
    const e = new RuleEngine({ site: site(), revision: 4, startedAt: s(0) });
    const adoption = e.adopt([orphan('al-lost')], s(0));
    expect(adoption).toMatchObject({ adopted: ['al-lost'], refused: [] });
    expect(adoption.output.transitions).toEqual([]);
    // Held exactly as the ledger has it.
    const { clearReason: _, ...held } = orphan('al-lost');
    expect(e.activeAlarms()).toEqual([{ ...held, clearReason: null }]);
    // The condition goes on: no second alarm for the same rule.
    expect(kinds(feed(e, s(1), [hc('ws-1', s(1), 5)]))).toEqual([]);
    expect(kinds(e.advance(s(60)))).toEqual([]);
    expect(e.activeAlarms().map((a) => [a.id, a.peak])).toEqual([['al-lost', 5]]);
    // It ends: cleared clearAfterSeconds later, by the same id, saying so.
    expect(kinds(feed(e, s(70), [hc('ws-1', s(70), 1)]))).toEqual([]);
    const done = e.advance(s(80));
    expect(kinds(done)).toEqual([['cleared', 'al-lost', s(75)]]);
    expect(done.transitions[0]!.alarm).toMatchObject({ clearReason: 'condition-ended', raisedAt: iso(s(-95)), since: iso(s(-100)), limit: 2, level: 'alarm', value: 3, peak: 5 });
    // A new onset is a new alarm.
    feed(e, s(90), [hc('ws-1', s(90), 3)]);
    const again = e.advance(s(100));
    expect(again.transitions.map((t) => t.kind)).toEqual(['raised']);
    expect(again.transitions[0]!.alarm.id).not.toBe('al-lost');
  });

  it('does not clear on facts nobody has reported: only a reading (or timer) that finds the condition ended does', () => {
    const e = new RuleEngine({ site: site(), revision: 4, startedAt: s(0) });
    e.adopt([orphan('al-lost')], s(0));
    expect(kinds(e.advance(s(600)))).toEqual([]);
    expect(e.activeAlarms().map((a) => a.id)).toEqual(['al-lost']);
  });

  it('escalates an adopted warning as its own, and keeps it through a late reading', () => {
    const e = new RuleEngine({ site: site(), revision: 4, startedAt: s(0) });
    const w = orphan('al-warn', { type: 'over-quantity', level: 'warning', limit: 450, value: 460, peak: 460 });
    expect(e.adopt([w], s(10)).adopted).toEqual(['al-warn']);
    // A reading behind the engine's clock does not take the alarm away (no rewind to before it was held).
    expect(kinds(feed(e, s(11), [{ workshopId: 'ws-1', ts: s(5), materialKg: 470 }]))).toEqual([]);
    expect(e.activeAlarms().map((a) => a.id)).toEqual(['al-warn']);
    feed(e, s(20), [{ workshopId: 'ws-1', ts: s(20), materialKg: 520 }]);
    const out = e.advance(s(30));
    expect(kinds(out)).toEqual([['escalated', 'al-warn', s(25)]]);
    expect(out.transitions[0]!.alarm).toMatchObject({ level: 'alarm', limit: 500, escalatedAt: iso(s(25)) });
  });

  it('makes the per-person tracker of an orphaned dwell alarm, which clears once the person is reported gone', () => {
    const e = new RuleEngine({ site: site(), revision: 4, startedAt: s(0) });
    const d = orphan('al-dwell', { type: 'over-time', reason: 'dwell', subject: { workshopId: 'ws-1', personId: 'E7' }, value: 61, peak: 61, limit: 60 });
    expect(e.adopt([d], s(0)).adopted).toEqual(['al-dwell']);
    expect(e.activeAlarms().map((a) => [a.id, a.subject])).toEqual([['al-dwell', { workshopId: 'ws-1', personId: 'E7' }]]);
    feed(e, s(10), [{ workshopId: 'ws-1', ts: s(10), headcount: { total: 0, persons: [] } }]);
    expect(kinds(e.advance(s(20)))).toEqual([['cleared', 'al-dwell', s(15)]]);
  });

  it('steps line-level orphans at the first reading of their line: staffing by a workshop of the line, day output by the line', () => {
    const withLine = site((ent) => {
      ent.lines![0] = { ...ent.lines![0]!, staffingLimit: 3, capacity: { perDay: 400, unit: 'kg' } };
    });
    const e = new RuleEngine({ site: withLine, revision: 4, startedAt: s(0) });
    const staff = orphan('al-line', { subject: { lineId: 'line-1' }, limit: 3 });
    const day = orphan('al-day', { type: 'over-production', reason: 'day', subject: { lineId: 'line-1' }, value: 450, peak: 450, limit: 400 });
    expect(e.adopt([staff, day], s(0)).adopted).toEqual(['al-line', 'al-day']);
    // Nobody inside ws-2 (as the engine already assumed): the line's staffing has ended, its output not yet read.
    feed(e, s(10), [hc('ws-2', s(10), 0)]);
    expect(kinds(e.advance(s(20)))).toEqual([['cleared', 'al-line', s(15)]]);
    feed(e, s(30), [{ lineId: 'line-1', ts: s(30), production: { counter: 10 } }]);
    expect(kinds(e.advance(s(40)))).toEqual([['cleared', 'al-day', s(35)]]);
  });

  it('clears an orphan whose rule is gone as a new revision clears one: subject-removed, limit-removed', () => {
    const e = new RuleEngine({ site: site((ent) => delete ent.workshops![1]!.staffingLimit), revision: 4, startedAt: s(0) });
    const gone = orphan('al-ws-gone', { subject: { workshopId: 'ws-9' } });
    const limitGone = orphan('al-limit-gone', { subject: { workshopId: 'ws-2' } });
    const entGone = orphan('al-ent-gone', { enterpriseId: 'ent-9' });
    const adoption = e.adopt([gone, limitGone, entGone], s(30));
    expect(adoption.adopted).toEqual([]);
    expect(adoption.output.transitions.map((t) => [t.kind, t.alarm.id, t.alarm.clearReason, t.alarm.clearedAt, t.alarm.raisedAt])).toEqual([
      ['cleared', 'al-ws-gone', 'subject-removed', iso(s(30)), iso(s(-95))],
      ['cleared', 'al-limit-gone', 'limit-removed', iso(s(30)), iso(s(-95))],
      ['cleared', 'al-ent-gone', 'subject-removed', iso(s(30)), iso(s(-95))],
    ]);
    expect(e.activeAlarms()).toEqual([]);
  });

  it('refuses an orphan whose rule already holds an alarm (one at a time per rule), and a second one of the same rule', () => {
    const e = new RuleEngine({ site: site(), revision: 4, startedAt: s(0), newId: () => 'al-new' });
    feed(e, s(0), [hc('ws-1', s(0), 3)]);
    e.advance(s(10));
    expect(e.activeAlarms().map((a) => a.id)).toEqual(['al-new']);
    const adoption = e.adopt([orphan('al-a'), orphan('al-q', { type: 'over-quantity' }), orphan('al-q2', { type: 'over-quantity' })], s(10));
    expect(adoption.adopted).toEqual(['al-q']);
    expect(adoption.refused).toEqual([
      { id: 'al-a', why: 'the engine holds alarm al-new of the same rule' },
      { id: 'al-q2', why: 'the engine holds alarm al-q of the same rule' },
    ]);
  });

  it('saves what it adopted: the next delta (and a restore from it) holds the alarm', () => {
    const e = new RuleEngine({ site: site(), revision: 4, startedAt: s(0) });
    const base = e.capture(true);
    expect('snapshot' in base).toBe(true);
    e.adopt([orphan('al-lost')], s(0));
    const next = e.capture(false);
    expect('delta' in next && Object.values(next.delta.trackers ?? {}).map((t) => t?.active?.id)).toEqual(['al-lost']);
    const restored = RuleEngine.restore({ site: site(), revision: 4, startedAt: s(0) }, e.snapshot());
    expect(restored.activeAlarms().map((a) => a.id)).toEqual(['al-lost']);
    feed(restored, s(5), [hc('ws-1', s(5), 0)]);
    expect(kinds(restored.advance(s(20)))).toEqual([['cleared', 'al-lost', s(10)]]);
  });
});
