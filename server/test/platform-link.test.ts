// RuleEngine.platformLink: the platform's own connection to the broker being down is the platform's
// silence, not the gateways' (mqtt/will-grace.ts tells the engine; see broker-restart.test.ts).
import { describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch } from '@hazwatch/protocols';
import { RuleEngine } from '../src/engine/index.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const s = (sec: number) => T0 + sec * 1000;
const OFFLINE_AFTER = 60;
const RAISE_AFTER = 5;

const site = SiteConfig.parse({
  defaults: { raiseAfterSeconds: RAISE_AFTER, clearAfterSeconds: 5, offlineAfterSeconds: OFFLINE_AFTER },
  enterprises: [
    {
      id: 'ent-1', name: '示例民爆器材有限公司', region: '370306', timezone: 'Asia/Shanghai',
      lines: [{ id: 'line-1', name: '乳化炸药生产线', kind: 'explosive' }],
      workshops: [{ id: 'ws-1', name: '乳化工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2 }],
      gateways: [{ id: 'gw-1', workshops: ['ws-1'], lines: ['line-1'] }],
    },
  ],
});

let seq = 0;
const heard = (e: RuleEngine, at: number) =>
  e.apply({ kind: 'telemetry', at, enterpriseId: 'ent-1', gatewayId: 'gw-1', batch: TelemetryBatch.parse({ v: 1, gatewayId: 'gw-1', seq: ++seq, sentAt: at, readings: [{ workshopId: 'ws-1', ts: at, headcount: { total: 1 } }] }) });
const offlineAlarms = (e: RuleEngine) => e.activeAlarms().filter((a) => a.type === 'gateway-offline');

describe('RuleEngine.platformLink', () => {
  it('counts no silence while the link is down, and gives each gateway offlineAfterSeconds from its return', () => {
    const e = new RuleEngine({ site, revision: 1, startedAt: s(0) });
    heard(e, s(0));
    e.platformLink(false, s(30));
    // Down far longer than offlineAfterSeconds: nobody is blamed.
    expect(e.advance(s(600)).transitions).toEqual([]);
    e.platformLink(true, s(600));
    expect(e.advance(s(600 + OFFLINE_AFTER + RAISE_AFTER - 1)).transitions).toEqual([]);
    const out = e.advance(s(600 + OFFLINE_AFTER + RAISE_AFTER));
    expect(out.transitions.map((t) => [t.kind, t.alarm.type, t.alarm.since, t.alarm.raisedAt, t.alarm.late])).toEqual([
      ['raised', 'gateway-offline', new Date(s(600 + OFFLINE_AFTER)).toISOString(), new Date(s(600 + OFFLINE_AFTER + RAISE_AFTER)).toISOString(), false],
    ]);
  });

  it('blames silence that passed offlineAfterSeconds before the link went down', () => {
    const e = new RuleEngine({ site, revision: 1, startedAt: s(0) });
    heard(e, s(0));
    e.platformLink(false, s(OFFLINE_AFTER + 1));
    e.platformLink(true, s(300));
    e.advance(s(300));
    expect(offlineAlarms(e).map((a) => a.since)).toEqual([new Date(s(OFFLINE_AFTER)).toISOString()]);
  });

  it('leaves a gateway that was offline before offline, and one heard after the return online', () => {
    const e = new RuleEngine({ site, revision: 1, startedAt: s(0) });
    heard(e, s(0));
    e.apply({ kind: 'status', at: s(10), enterpriseId: 'ent-1', gatewayId: 'gw-1', status: { v: 1, state: 'offline', ts: s(10) } });
    e.platformLink(false, s(20));
    e.platformLink(true, s(40));
    e.advance(s(40));
    expect(offlineAlarms(e)).toHaveLength(1);
    heard(e, s(41));
    e.advance(s(41 + 5));
    expect(offlineAlarms(e)).toEqual([]);
    expect(e.advance(s(41 + OFFLINE_AFTER - 1)).transitions).toEqual([]);
  });
});
