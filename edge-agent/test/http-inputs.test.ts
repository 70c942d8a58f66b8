// The inputs that listen on the agent's HTTP server: door events (enter/exit with badges, reconciled)
// and pushed readings from a positioning system; and the health endpoint beside them. Real broker,
// real HTTP, real files.
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch, topics } from '@hazwatch/protocols';
import { DoorInputConfig, HttpPushInputConfig } from '../src/config.ts';
import { DoorLedger, doorInput, httpPushInput, scaledClock } from '../src/index.ts';
import { agentWith, getJson, postJson, tempDir } from './helpers/agent.ts';
import { brokerWithRecorder, type Recorder } from './helpers/mqtt.ts';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const TELEMETRY = topics.telemetry('ent-1', 'gw-1');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Headcount = { total: number | null; persons?: { id: string; since: number }[]; byLine?: Record<string, number> };
function lastWorkshop(rec: Recorder, workshopId: string): { headcount?: Headcount | null; materialKg?: number | null } | undefined {
  const readings = rec.on(TELEMETRY).flatMap((m) => TelemetryBatch.parse(m.json).readings);
  return readings.filter((r) => 'workshopId' in r && r.workshopId === workshopId).at(-1) as never;
}

describe('door ledger', () => {
  it('counts badged and unbadged people, never below zero, and reports what does not fit as faults', () => {
    const ledger = new DoorLedger([{ workshopId: 'ws-1', doors: ['d-1', 'd-2'], lines: ['line-1', 'line-2'] }], null);
    expect(ledger.apply({ door: 'd-1', direction: 'enter', badge: 'E1', lineId: 'line-1', ts: T0 })).toBeNull();
    expect(ledger.apply({ door: 'd-2', direction: 'enter', badge: 'E2', lineId: 'line-2', ts: T0 + 1000 })).toBeNull();
    expect(ledger.apply({ door: 'd-1', direction: 'enter', ts: T0 + 2000 })).toBeNull();
    expect(ledger.reading('ws-1')).toEqual({
      workshopId: 'ws-1',
      ts: T0 + 2000,
      headcount: { total: 3, persons: [{ id: 'E1', since: T0 }, { id: 'E2', since: T0 + 1000 }], byLine: { 'line-1': 1, 'line-2': 1 } },
    });
    // Someone already inside "enters" again: an exit was missed; counted once, since kept.
    expect(ledger.apply({ door: 'd-2', direction: 'enter', badge: 'E1', ts: T0 + 3000 })).toMatchObject({ kind: 'entry-while-inside', badge: 'E1' });
    // Someone who never entered leaves: an entry was missed; nobody else is taken out.
    expect(ledger.apply({ door: 'd-1', direction: 'exit', badge: 'E9', ts: T0 + 4000 })).toMatchObject({ kind: 'exit-without-entry', badge: 'E9' });
    expect(ledger.apply({ door: 'd-1', direction: 'exit', ts: T0 + 5000 })).toBeNull();
    // A second unbadged exit would make the count negative: a fault, the count stays at 0.
    expect(ledger.apply({ door: 'd-1', direction: 'exit', ts: T0 + 6000 })).toMatchObject({ kind: 'exit-without-entry', badge: null });
    expect(ledger.apply({ door: 'd-1', direction: 'exit', badge: 'E1', ts: T0 + 7000 })).toBeNull();
    expect((ledger.reading('ws-1') as { headcount: Headcount }).headcount).toEqual({ total: 1, persons: [{ id: 'E2', since: T0 + 1000 }], byLine: { 'line-1': 0, 'line-2': 1 } });
    expect(ledger.stats()).toEqual({ 'ws-1': { inside: 1, faults: 3 } });
  });
});

describe('door events over HTTP', () => {
  it('turns posted events into headcount and persons, refuses a bad request whole, and keeps who is inside across a restart', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups, TELEMETRY);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const doorConfig = DoorInputConfig.parse({ kind: 'door', workshops: [{ workshopId: 'ws-1', doors: ['d-1'] }, { workshopId: 'ws-2', doors: ['d-2'] }] });
    const start = async () => {
      const a = agentWith(broker.url, tmp.dir, (deps) => [doorInput(doorConfig, { ...deps, http: deps.http! })], { http: { port: 0 } });
      await a.agent.start();
      return a;
    };
    const a = await start();
    // Events after the agent's start: a subject's time never goes back (the start state is stamped now).
    const T0 = Date.now() + 60_000;
    const url = `${a.http!.url}/v1/door-events`;

    // The current state (nobody inside) is reported at start.
    await rec.waitFor('initial state', () => lastWorkshop(rec, 'ws-2')?.headcount?.total === 0);

    const ok = await postJson(url, [
      { door: 'd-1', direction: 'enter', badge: 'E1023', ts: T0 },
      { door: 'd-1', direction: 'enter', badge: 'E1024', ts: T0 + 5000 },
      { door: 'd-2', direction: 'enter', badge: 'E2001', ts: T0 + 6000 },
    ]);
    expect(ok).toEqual({ status: 200, body: { accepted: 3, faults: [] } });
    await rec.waitFor('two inside ws-1', () => lastWorkshop(rec, 'ws-1')?.headcount?.total === 2);
    expect(lastWorkshop(rec, 'ws-1')).toEqual({ workshopId: 'ws-1', ts: T0 + 5000, headcount: { total: 2, persons: [{ id: 'E1023', since: T0 }, { id: 'E1024', since: T0 + 5000 }] } });

    // A malformed event or an unknown door refuses the whole request: nothing of it applies.
    const bad = await postJson(url, [{ door: 'd-1', direction: 'exit', badge: 'E1023' }, { door: 'd-9', direction: 'enter' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([{ path: '[1].door', message: 'd-9 is not a door of this gateway' }]);
    const bad2 = await postJson(url, { door: 'd-1', direction: 'sideways' });
    expect(bad2.status).toBe(400);
    expect(bad2.body.error).toMatch(/direction/);
    expect((await postJson(url, '{"door":')).status).toBe(400);

    // An exit nobody entered for is a fault, answered and counted, never a negative count.
    const fault = await postJson(url, { door: 'd-2', direction: 'exit' });
    expect(fault.status).toBe(200);
    expect(fault.body.faults).toEqual([expect.objectContaining({ index: 0, kind: 'exit-without-entry', workshopId: 'ws-2' })]);
    const health = await getJson(`${a.http!.url}/health`);
    expect(health.http).toEqual({ refused: 1 });
    expect(health.inputs[0]).toMatchObject({ kind: 'door', events: 4, refused: 2, workshops: { 'ws-1': { inside: 2, faults: 0 }, 'ws-2': { inside: 1, faults: 1 } } });
    expect(lastWorkshop(rec, 'ws-2')?.headcount?.total).toBe(1);

    await a.agent.stop();
    const before = rec.on(TELEMETRY).length;
    const b = await start();
    cleanups.push(() => b.agent.stop());
    // After the restart the agent still knows who is inside, and since when.
    await rec.waitFor('state after restart', () => rec.on(TELEMETRY).length > before);
    expect(lastWorkshop(rec, 'ws-1')?.headcount?.persons).toEqual([{ id: 'E1023', since: T0 }, { id: 'E1024', since: T0 + 5000 }]);
    const exit = await postJson(`${b.http!.url}/v1/door-events`, { door: 'd-1', direction: 'exit', badge: 'E1023' });
    expect(exit.body).toEqual({ accepted: 1, faults: [] });
    await rec.waitFor('one left', () => lastWorkshop(rec, 'ws-1')?.headcount?.total === 1);
  });
});

describe('HTTP push input', () => {
  it('accepts readings for its workshops, refuses bad or foreign ones whole, and reports a silent source as unknown', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups, TELEMETRY);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const push = HttpPushInputConfig.parse({ kind: 'http-push', token: 'secret-token', workshops: ['ws-1'], staleAfterSeconds: 30 });
    // Ten times the wall clock: the 30 s of silence take 3 s.
    const clock = scaledClock({ start: Date.now(), speed: 10 });
    const a = agentWith(broker.url, tmp.dir, (deps) => [httpPushInput(push, { ...deps, http: deps.http! })], { http: { port: 0 } }, clock);
    cleanups.push(() => a.agent.stop());
    await a.agent.start();
    const url = `${a.http!.url}/v1/readings`;
    const auth = { authorization: 'Bearer secret-token' };

    expect((await postJson(url, { workshopId: 'ws-1', headcount: { total: 1 } })).status).toBe(401);
    const ok = await postJson(url, { workshopId: 'ws-1', headcount: { total: 2, persons: [{ id: 'P1', since: '2026-03-02T08:55:00+08:00' }] } }, auth);
    expect(ok).toEqual({ status: 200, body: { accepted: 1 } });
    await rec.waitFor('the pushed reading', () => lastWorkshop(rec, 'ws-1')?.headcount?.total === 2);
    expect(lastWorkshop(rec, 'ws-1')?.headcount?.persons).toEqual([{ id: 'P1', since: Date.parse('2026-03-02T08:55:00+08:00') }]);

    const bad = await postJson(url, [{ workshopId: 'ws-1', headcount: { total: 3 } }, { workshopId: 'ws-1', headcount: { total: -1 } }, { workshopId: 'ws-9', materialKg: 1 }], auth);
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([
      { path: '[1].headcount.total', message: 'must not be negative' },
      { path: '[2].workshopId', message: 'ws-9 is not reported by this source' },
    ]);
    // Nothing of the refused request went out: the first reading (3 persons) was valid but not applied.
    expect((await getJson(`${a.http!.url}/health`)).inputs[0]).toMatchObject({ kind: 'http-push', accepted: 1, refused: 2, ok: true });

    await rec.waitFor('headcount unknown after the source went silent', () => lastWorkshop(rec, 'ws-1')?.headcount === null, 10_000);
    expect(lastWorkshop(rec, 'ws-1')?.headcount).toBeNull();
    expect((await getJson(`${a.http!.url}/health`)).inputs[0]).toMatchObject({ ok: false, stale: ['ws-1'] });
    expect(rec.on(TELEMETRY).flatMap((m) => TelemetryBatch.parse(m.json).readings).some((r) => 'workshopId' in r && r.headcount?.total === 3)).toBe(false);
  });
});
