// The engine's state beside the alarms: a full snapshot now and then, and with every transition only
// the trackers it changed, written in the transition's own transaction and laid over the snapshot.
import { describe, expect, it } from 'vitest';
import { SiteConfig, alarmKey } from '@hazwatch/protocols';
import { RuleEngine, type EngineSnapshot } from '../src/engine/index.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { tempDir } from './helpers.ts';

const site = SiteConfig.parse({
  defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 3600 },
  enterprises: [{
    id: 'ent-1', name: '示例', region: '370306',
    lines: [{ id: 'line-1', name: '线', kind: 'explosive' }],
    workshops: [{ id: 'ws-1', name: '工房', hazardClass: '1.1', lines: ['line-1'], staffingLimit: 2 }],
    gateways: [{ id: 'gw-1', workshops: ['ws-1'], lines: ['line-1'] }],
  }],
});
const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const feed = (e: RuleEngine, seq: number, at: number, total: number) =>
  e.apply({ kind: 'telemetry', at, enterpriseId: 'ent-1', gatewayId: 'gw-1', batch: { v: 1, gatewayId: 'gw-1', seq, sentAt: at, readings: [{ workshopId: 'ws-1', ts: at, headcount: { total } }] } });

describe('engine state in the alarm store', () => {
  it('restores an alarm raised after the last full snapshot from the delta written with it', async () => {
    const tmp = tempDir();
    const store = new SqliteAlarmStore({ dataDir: tmp.dir });
    try {
      const opts = { site, revision: 1, startedAt: T0 };
      const e = new RuleEngine(opts);
      await store.saveEngineState({ revision: 1, savedAt: new Date(T0).toISOString(), snapshot: e.snapshot() });
      feed(e, 1, T0 + 1000, 3);
      const out = e.advance(T0 + 10_000);
      expect(out.transitions.map((t) => t.kind)).toEqual(['raised']);
      const delta = e.trackerStates(out.transitions.map((t) => alarmKey(t.alarm)));
      expect(Object.values(delta)[0]?.active?.id).toBe(out.transitions[0]!.alarm.id);
      await store.append(out.transitions.map((t) => ({ kind: t.kind, at: new Date(t.at).toISOString(), alarm: t.alarm })), { revision: 1, savedAt: new Date(T0 + 10_000).toISOString(), trackers: { ...delta, 'gone-key': null } });

      // A crash now: the full snapshot predates the alarm; the delta carries it.
      const loaded = (await store.loadEngineState())!;
      const restored = RuleEngine.restore(opts, loaded.snapshot as EngineSnapshot);
      expect(restored.activeAlarms().map((a) => a.id)).toEqual(e.activeAlarms().map((a) => a.id));
      expect(Object.keys(loaded.snapshot.trackers)).not.toContain('gone-key');

      // The next full snapshot replaces the deltas.
      const clear = e.advance(T0 + 11_000);
      expect(clear.transitions).toEqual([]);
      await store.saveEngineState({ revision: 1, savedAt: new Date(T0 + 11_000).toISOString(), snapshot: e.snapshot() });
      const again = (await store.loadEngineState())!;
      expect(again.snapshot).toEqual(JSON.parse(JSON.stringify(e.snapshot())));
    } finally {
      await store.close();
      tmp.remove();
    }
  });
});
