// The alarm list (filters, cursor pagination), CSV export, statistics and ledger download over HTTP,
// on a ledger filled through the real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import type { TestServer } from './helpers.ts';
import { verifyLedger } from '../src/alarms/chain.ts';
import { alertingSite, startAlertingServer } from './alerting-helpers.ts';
import { getJson, tempDir } from './helpers.ts';

const at = (s: string) => new Date(s).toISOString();

function record(id: string, raisedAt: string, over: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    id, type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: { workshopId: 'ws-a' }, value: 3, peak: 3, limit: 2,
    since: at(raisedAt), raisedAt: at(raisedAt), escalatedAt: null, clearedAt: null, clearReason: null, detectedAt: at(raisedAt), late: false,
    configRevision: 1, ...over,
  };
}

describe('alarm API', () => {
  let tmp: ReturnType<typeof tempDir>;
  let s: TestServer;
  beforeAll(async () => {
    tmp = tempDir();
    // Escalation far away: these alarms lie in the past and would otherwise escalate at once.
    const site = alertingSite(tmp.dir, JSON.stringify({ escalation: { t1Minutes: 10_000, t2Minutes: 10_080 } }), '{}');
    s = await startAlertingServer(tmp.dir, site);
    const seed: AlarmRecord[] = [
      // 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Asia/Shanghai.
      record('al-1', '2026-03-01T17:30:00Z', { clearedAt: at('2026-03-01T17:40:00Z'), clearReason: 'condition-ended' }),
      record('al-2', '2026-03-02T02:00:00Z', { subject: { workshopId: 'ws-b' }, value: 4, peak: 4, limit: 3 }),
      record('al-3', '2026-03-02T03:00:00Z', { type: 'over-quantity', level: 'warning', value: 460, peak: 470, limit: 450 }),
      record('al-4', '2026-03-02T04:00:00Z', {
        type: 'gateway-offline', subject: { gatewayId: 'gw-1' }, value: null, peak: null, limit: null,
        since: at('2026-03-02T03:59:00Z'), clearedAt: at('2026-03-02T04:29:00Z'), clearReason: 'condition-ended',
      }),
      record('al-5', '2026-03-02T05:00:00Z', { type: 'over-production', reason: 'day', subject: { lineId: 'line-1' }, value: 41_000, peak: 41_000, limit: 40_000 }),
      record('al-x', '2026-03-02T06:00:00Z', { enterpriseId: 'ent-x' }),
    ];
    for (const a of seed) await s.alarms.append([{ kind: 'raised', at: a.raisedAt, alarm: { ...a, clearedAt: null } }]);
    for (const a of seed.filter((x) => x.clearedAt)) await s.alarms.append([{ kind: 'cleared', at: a.clearedAt!, alarm: a }]);
    await s.alarms.write((tx) => {
      const a1 = tx.get('al-1')!;
      tx.append({ kind: 'acknowledged', at: at('2026-03-01T17:31:00Z'), alarm: { ...a1, acknowledgedAt: at('2026-03-01T17:31:00Z'), acknowledgedBy: 'op' }, by: 'op' });
      const acked = tx.get('al-1')!;
      tx.append({ kind: 'closed', at: at('2026-03-01T17:50:00Z'), alarm: { ...acked, closedAt: at('2026-03-01T17:50:00Z'), closedBy: 'chief', rectification: '=HYPERLINK("x") 已整改, "定员" 2' }, by: 'chief' });
    });
  });
  afterAll(async () => {
    await s?.close();
    tmp?.remove();
  });

  const ids = (list: AlarmRecord[]) => list.map((a) => a.id);
  const list = (q: string) => getJson<AlarmRecord[]>(s, `/api/v1/alarms${q}`);

  it('pages through every alarm with a cursor, newest raised first, without repeats', async () => {
    const seen: string[] = [];
    let url = '/api/v1/alarms?limit=2';
    for (let page = 0; page < 10; page++) {
      const res = await s.app.inject(url);
      expect(res.statusCode).toBe(200);
      seen.push(...ids(res.json()));
      const next = res.headers['x-next-cursor'];
      if (!next) break;
      expect(res.headers.link).toContain('rel="next"');
      url = `/api/v1/alarms?limit=2&cursor=${next as string}`;
    }
    expect(seen).toEqual(['al-x', 'al-5', 'al-4', 'al-3', 'al-2', 'al-1']);
    expect((await s.app.inject('/api/v1/alarms?cursor=nonsense')).statusCode).toBe(400);
  });

  it('filters by enterprise, region, workshop, line, type, level, state and time range', async () => {
    expect(ids(await list('?enterpriseId=ent-x'))).toEqual(['al-x']);
    // ent-x is in no configured region.
    expect(ids(await list('?region=3703'))).toEqual(['al-5', 'al-4', 'al-3', 'al-2', 'al-1']);
    expect(await list('?region=44')).toEqual([]);
    expect(ids(await list('?workshopId=ws-a&enterpriseId=ent-1'))).toEqual(['al-3', 'al-1']);
    expect(ids(await list('?lineId=line-1'))).toEqual(['al-5']);
    expect(ids(await list('?type=over-quantity,gateway-offline'))).toEqual(['al-4', 'al-3']);
    expect(ids(await list('?level=warning'))).toEqual(['al-3']);
    expect(ids(await list('?state=closed'))).toEqual(['al-1']);
    expect(ids(await list('?state=cleared'))).toEqual(['al-4']);
    expect(ids(await list('?state=active&enterpriseId=ent-1'))).toEqual(['al-5', 'al-3', 'al-2']);
    expect(ids(await list('?from=2026-03-02T10:00:00%2B08:00&to=2026-03-02T12:00:00%2B08:00'))).toEqual(['al-3', 'al-2']);
    expect(ids(await list(`?from=${Date.parse('2026-03-02T05:00:00Z')}`))).toEqual(['al-x', 'al-5']);
    const bad = await s.app.inject('/api/v1/alarms?type=over-everything&from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems.map((p: { path: string }) => p.path).sort()).toEqual(['from', 'type[0]']);
  });

  it('exports CSV with the same filters, spreadsheet-safe', async () => {
    const res = await s.app.inject('/api/v1/alarms/export.csv?enterpriseId=ent-1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('attachment');
    const text = res.body;
    expect(text.startsWith('\uFEFFid,type,reason,level,enterpriseId')).toBe(true);
    const rows = text.slice(1).trimEnd().split('\r\n');
    expect(rows).toHaveLength(6);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(['al-5', 'al-4', 'al-3', 'al-2', 'al-1']);
    // A note that looks like a formula is neutralised; quotes and commas are escaped.
    expect(rows[5]).toContain(`"'=HYPERLINK(""x"") 已整改, ""定员"" 2"`);
  });

  it('counts by type, enterprise, level and local day; times to acknowledge and close; unverifiable minutes', async () => {
    const st = await getJson<Record<string, unknown>>(s, '/api/v1/alarms/stats?enterpriseId=ent-1&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z');
    expect(st).toMatchObject({
      total: 5,
      byType: { 'over-staffing': 2, 'over-quantity': 1, 'gateway-offline': 1, 'over-production': 1 },
      byEnterprise: { 'ent-1': 5 },
      byLevel: { alarm: 4, warning: 1 },
      byDay: { '2026-03-02': 5 },
      closed: 1,
      timeToAcknowledge: { count: 1, meanSeconds: 60, maxSeconds: 60 },
      timeToClose: { count: 1, meanSeconds: 1200 },
      unverifiableMinutes: { total: 30, byEnterprise: { 'ent-1': 30 } },
    });
    const clipped = await getJson<{ unverifiableMinutes: { total: number }; total: number }>(s, '/api/v1/alarms/stats?from=2026-03-02T04:19:00Z');
    expect(clipped.unverifiableMinutes.total).toBe(10);
    expect(clipped.total).toBe(2);
  });

  it('serves the ledger as verifiable JSON lines, not to an actor scoped to some enterprises', async () => {
    const res = await s.app.inject('/api/v1/ledger');
    expect(res.statusCode).toBe(200);
    expect(verifyLedger(res.body)).toMatchObject({ ok: true, events: 10 });
    // Only an admin exports the whole ledger: an operator of one enterprise is refused.
    expect((await s.app.inject({ url: '/api/v1/ledger', headers: { cookie: await s.loginAs('op-1') } })).statusCode).toBe(403);
  });
});
