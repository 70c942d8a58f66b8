import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmType, type AlarmRecord } from '@hazwatch/protocols';
import type { RunningServer } from '../src/app.ts';
import { main } from '../src/cli/main.ts';
import { buildReport, reportDigest } from '../src/reports/assemble.ts';
import { LEVEL_ZH, REASON_ZH, TYPE_ZH } from '../src/reports/labels.ts';
import { parsePeriod, periodBounds } from '../src/reports/period.ts';
import { ledgerHeadOf, reportSource } from '../src/reports/source.ts';
import { chromiumPdfRenderer, PdfUnavailableError } from '../src/reports/pdf.ts';
import { replay } from '../src/replay/replay.ts';
import { parseSiteText } from '../src/site/load.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { SqliteConfigStore } from '../src/storage/sqlite-config.ts';
import type { Report } from '../src/reports/types.ts';
import { L, SITE_REV2_TEXT, writeDemoMonth } from './report-month.ts';
import { getJson, startTestServer, tempDir } from './helpers.ts';

const MARCH = { start: L('2026-03-01T00:00:00'), end: L('2026-04-01T00:00:00') };
const REPORT = '/api/v1/reports/enterprises/demo-ent/2026-03';

/** The text of every page of a PDF, as pdf.js reads it. */
async function pdfText(pdf: Buffer): Promise<string> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    for (const item of content.items) if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
  }
  await doc.destroy();
  return text;
}

// Compared on their printable ASCII only: pdf.js places spaces and line breaks by glyph distances, not
// by cells, splits ligatures (ﬃ) into their own runs, and may read a CJK glyph back as its radical
// (民 as ⺠) or a dash as another dash. The numbers and the English codes beside each label remain.
const squash = (s: string) => s.normalize('NFKC').replace(/[^\x21-\x7e]/g, '');
const cell = (v: number | string | null) => (v === null ? '—' : String(v));
const minutes = (ms: number) => Math.round(ms / 6_000) / 10;
const ms = (t: string) => Date.parse(t);

/** What a regulator would compute from the alarm API for March: alarms raised in the month. */
function expectedFromApi(all: AlarmRecord[]) {
  const month = all.filter((a) => ms(a.raisedAt) >= MARCH.start && ms(a.raisedAt) < MARCH.end);
  const groups = new Map<string, AlarmRecord[]>();
  for (const a of month) groups.set(`${a.type}|${a.reason}|${a.level}`, [...(groups.get(`${a.type}|${a.reason}|${a.level}`) ?? []), a]);
  const stats = (ds: number[]) => ({ mean: ds.length ? minutes(ds.reduce((x, y) => x + y, 0) / ds.length) : null, max: ds.length ? minutes(Math.max(...ds)) : null });
  const byTypeLevel = [...groups.values()].map((as) => {
    const durations = as.filter((a) => a.clearedAt).map((a) => ms(a.clearedAt!) - ms(a.raisedAt));
    const s = stats(durations);
    return {
      type: as[0]!.type, reason: as[0]!.reason, level: as[0]!.level, count: as.length, cleared: durations.length, ongoing: as.length - durations.length,
      totalMinutes: minutes(durations.reduce((x, y) => x + y, 0)), meanMinutes: s.mean, maxMinutes: s.max,
    };
  });
  const handling = (type: string, as: AlarmRecord[]) => {
    const acks = as.filter((a) => a.acknowledgedAt).map((a) => ms(a.acknowledgedAt!) - ms(a.detectedAt));
    const closes = as.filter((a) => a.closedAt).map((a) => ms(a.closedAt!) - ms(a.detectedAt));
    return { type, count: as.length, acknowledged: acks.length, meanAckMinutes: stats(acks).mean, maxAckMinutes: stats(acks).max, closed: closes.length, meanCloseMinutes: stats(closes).mean, maxCloseMinutes: stats(closes).max };
  };
  const types = AlarmType.options.filter((t) => month.some((a) => a.type === t));
  // Unverifiable: from the condition's start to clearing, clipped to the month.
  const covered = (as: AlarmRecord[]) => minutes(as.reduce((s, a) => s + Math.max(0, Math.min(ms(a.clearedAt ?? new Date(MARCH.end).toISOString()), MARCH.end) - Math.max(ms(a.since), MARCH.start)), 0));
  return {
    month,
    byTypeLevel,
    handling: [...types.map((t) => handling(t, month.filter((a) => a.type === t))), handling('all', month)],
    offlineAssembly: covered(all.filter((a) => a.type === 'gateway-offline' && a.subject.gatewayId === 'gw-assembly')),
    sensorFaultCharging: covered(all.filter((a) => a.type === 'sensor-fault' && a.subject.workshopId === 'ws-charging')),
    openAtEnd: all.filter((a) => ms(a.raisedAt) < MARCH.end && !(a.closedAt && ms(a.closedAt) <= MARCH.end)).map((a) => a.id).sort(),
  };
}

describe('period reports of the demo site', () => {
  let server: RunningServer;
  let api: AlarmRecord[];
  let expected: ReturnType<typeof expectedFromApi>;
  const tmp = tempDir();
  const dataDir = join(tmp.dir, 'data');

  beforeAll(async () => {
    await writeDemoMonth(dataDir);
    const siteFile = join(tmp.dir, 'site.yaml');
    writeFileSync(siteFile, SITE_REV2_TEXT);
    server = await startTestServer(dataDir, { site: siteFile });
    api = await getJson<AlarmRecord[]>(server, '/api/v1/alarms?state=all&enterpriseId=demo-ent&limit=1000');
    expected = expectedFromApi(api);
  });
  afterAll(async () => {
    await server?.close();
    tmp.remove();
  });

  it('the fixture month is what it claims: 11 alarms raised in March by the real engine, revision 2 on 12 March', async () => {
    expect(expected.month).toHaveLength(11);
    expect(expected.offlineAssembly).toBe(120.1);
    expect(expected.sensorFaultCharging).toBe(30.1);
    // Starting with the same configuration made no new revision.
    expect((await getJson<unknown[]>(server, '/api/v1/site/revisions')).length).toBe(2);
  });

  it('a month\'s JSON report matches the alarm API for the same period', async () => {
    const r = await getJson<Report>(server, REPORT);
    expect(r).toMatchObject({ format: 'hazwatch-report/1', kind: 'enterprise', scope: 'demo-ent', period: { kind: 'month', label: '2026-03' } });
    // The alarm API's own filter and statistics for the same period agree.
    const range = `enterpriseId=demo-ent&from=${new Date(MARCH.start).toISOString()}&to=${new Date(MARCH.end).toISOString()}`;
    const filtered = await getJson<AlarmRecord[]>(server, `/api/v1/alarms?state=all&limit=1000&${range}`);
    expect(filtered.map((a) => a.id).sort()).toEqual(expected.month.map((a) => a.id).sort());
    const stats = await getJson<{
      total: number; byType: Record<string, number>; byLevel: Record<string, number>; closed: number;
      timeToAcknowledge: { count: number; meanSeconds: number | null }; unverifiableMinutes: { total: number };
    }>(server, `/api/v1/alarms/stats?${range}`);
    const all = r.handling.find((h) => h.type === 'all')!;
    expect(stats.total).toBe(r.summary.alarms);
    expect(stats.byLevel).toEqual({ warning: r.summary.warnings, alarm: r.summary.alarmLevel });
    expect(stats.byType).toEqual(Object.fromEntries(r.handling.filter((h) => h.type !== 'all').map((h) => [h.type, h.count])));
    expect(stats.closed).toBe(all.closed);
    expect(stats.timeToAcknowledge.count).toBe(all.acknowledged);
    expect(Math.round((stats.timeToAcknowledge.meanSeconds ?? 0) / 6) / 10).toBe(all.meanAckMinutes);
    // One workshop behind the gateway that was off the air: its workshop-minutes are the gateway's minutes.
    expect(Math.round(stats.unverifiableMinutes.total * 10) / 10).toBe(r.summary.blindWorkshopMinutes);
    const s = r.enterprises[0]!;
    expect(s.from).toBe('2026-02-28T16:00:00.000Z');
    expect(s.to).toBe('2026-03-31T16:00:00.000Z');
    expect(s.asOf).toBe(s.to);
    expect([...s.byTypeLevel].sort(byKey)).toEqual([...expected.byTypeLevel].sort(byKey));
    expect(s.handling).toEqual(expected.handling);
    expect(s.alarms.map((a) => a.id).sort()).toEqual(expected.month.map((a) => a.id).sort());
    expect(s.summary).toEqual({
      alarms: 11,
      warnings: expected.month.filter((a) => a.level === 'warning').length,
      alarmLevel: expected.month.filter((a) => a.level === 'alarm').length,
      escalated: expected.month.filter((a) => a.escalatedAt).length,
      late: 0,
      ongoing: expected.month.filter((a) => !a.clearedAt).length,
      acknowledged: 6,
      closed: 4,
      shelved: 1,
      blindWorkshopMinutes: 120.1,
      limitChanges: 1,
      openRectifications: expected.openAtEnd.length,
    });
    expect(s.summary.escalated).toBe(1);
    expect(s.blind.find((b) => b.workshopId === 'ws-assembly')).toEqual({ workshopId: 'ws-assembly', name: '雷管装配工房', gatewayId: 'gw-assembly', offlineMinutes: expected.offlineAssembly, sensorFaultMinutes: 0 });
    expect(s.blind.find((b) => b.workshopId === 'ws-charging')).toMatchObject({ offlineMinutes: 0, sensorFaultMinutes: expected.sensorFaultCharging });
    expect(s.blind.map((b) => b.workshopId).sort()).toEqual(['tp-emulsion', 'ws-assembly', 'ws-charging', 'ws-emulsify', 'ws-packing']);
    expect(s.shelving).toEqual([
      { alarmId: expect.any(String), type: 'sensor-fault', reason: 'quantity-unknown', subject: 'ws-charging', at: '2026-03-20T06:01:00.000Z', by: 'shift-lead', until: '2026-03-20T08:00:00.000Z', note: '秤检修' },
    ]);
    expect(s.limitChanges).toEqual([
      { revision: 2, changedAt: '2026-03-12T02:00:00.000Z', changedBy: 'safety-officer', subject: 'workshop ws-charging', field: 'quantityLimitKg', from: 800, to: 750 },
    ]);
    expect(s.openRectifications.map((o) => o.alarmId).sort()).toEqual(expected.openAtEnd);
    // Cleared on 1 April, so still active when March ended; closed on 1 April, so open at its end.
    expect(s.openRectifications.filter((o) => o.state === 'active').map((o) => o.subject).sort()).toEqual(['line-emulsion', 'tp-emulsion', 'ws-emulsify']);
    expect(s.openRectifications.some((o) => o.subject === 'ws-assembly · line-assembly-1' && o.state === 'awaiting-closure')).toBe(true);
    // For one enterprise, the report's totals are its section's.
    expect(r.summary).toEqual(s.summary);
    expect(reportDigest(r)).toBe(r.digest);
    const head = ledgerHeadOf(server.alarms);
    expect(r.ledger).toEqual(head ? ((await head()) ?? null) : null);
  });

  it('renders the month to PDF with headless Chromium, and the PDF shows the API\'s numbers', async () => {
    const res = await server.app.inject(`${REPORT}?format=pdf`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="hazwatch-enterprise-demo-ent-2026-03.pdf"');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    let raw: string | undefined;
    const pdfTextOnce = async () => (raw ??= await pdfText(pdf));
    const text = squash(await pdfTextOnce());
    const digest = res.headers['x-hazwatch-report-digest'] as string;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);

    const has = (cells: (number | string | null)[]) => expect(text, cells.join(' ')).toContain(squash(cells.map(cell).join('')));
    // The Chinese labels are there, drawn with a CJK font (NFKC turns a Kangxi radical read back, ⽰,
    // into its character, 示; these words have none of the supplement's simplified radicals like ⺠).
    const zhText = (await pdfTextOnce()).normalize('NFKC').replace(/\s+/g, '');
    for (const zh of ['鲁中示范', '告警总数', '超员', '超量', '网关离线', '处置时效', '未闭环整改']) expect(zhText, zh).toContain(zh);
    has(['1.1', '2026-03', 'Enterprise demo-ent']);
    has(['报告期', 'Period:', '2026-03-01 00:00:00', '–', '2026-04-01 00:00:00', '(Asia/Shanghai)']);
    has(['告警总数', 'alarms', expected.month.length]);
    has(['已确认', 'acknowledged', 6]);
    has(['已闭环', 'closed', 4]);
    has(['不可核验工房分钟', 'blind workshop-minutes', expected.offlineAssembly]);
    for (const row of expected.byTypeLevel) {
      has([TYPE_ZH[row.type], row.type, ...(row.reason ? [REASON_ZH[row.reason], row.reason] : ['—']), LEVEL_ZH[row.level], row.level, row.count, row.cleared, row.ongoing, row.totalMinutes, row.meanMinutes, row.maxMinutes]);
    }
    for (const row of expected.handling) {
      has([row.type === 'all' ? '合计' : TYPE_ZH[row.type as keyof typeof TYPE_ZH], row.type, row.count, row.acknowledged, row.meanAckMinutes, row.maxAckMinutes, row.closed, row.meanCloseMinutes, row.maxCloseMinutes]);
    }
    has(['雷管装配工房', 'ws-assembly', 'gw-assembly', expected.offlineAssembly, 0]);
    has(['装药工房', 'ws-charging', 'gw-explosive', 0, expected.sensorFaultCharging]);
    has(['workshop ws-charging', 'quantityLimitKg', 800, 750]);
    has(['Report digest (sha256 of the canonical JSON):', digest]);
    const report = await getJson<Report>(server, REPORT);
    has(['Ledger head:', report.ledger ? `seq ${report.ledger.seq}, hash ${report.ledger.hash}` : 'unavailable (no hash-chained ledger)']);
    for (const a of expected.month) expect(text).toContain(a.id);
  });

  it('gives every table as CSV, the same rows as the JSON', async () => {
    const r = await getJson<Report>(server, REPORT);
    const csv = async (table: string) => {
      const res = await server.app.inject(`${REPORT}?format=csv&table=${table}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.body.startsWith('\ufeff')).toBe(true);
      return res.body.slice(1).trimEnd().split('\r\n');
    };
    const typeLevel = await csv('by-type-level');
    expect(typeLevel[0]).toBe('enterpriseId,type,reason,level,count,cleared,ongoing,totalMinutes,meanMinutes,maxMinutes');
    expect(typeLevel.slice(1)).toEqual(r.enterprises[0]!.byTypeLevel.map((x) => ['demo-ent', x.type, x.reason ?? '', x.level, x.count, x.cleared, x.ongoing, x.totalMinutes, x.meanMinutes ?? '', x.maxMinutes ?? ''].join(',')));
    expect((await csv('alarms')).length).toBe(1 + 11);
    expect((await csv('limit-changes'))[1]).toBe('demo-ent,2,2026-03-12T02:00:00.000Z,safety-officer,workshop ws-charging,quantityLimitKg,800,750');
    expect((await csv('blind')).find((l) => l.includes('ws-assembly'))).toBe(`demo-ent,ws-assembly,雷管装配工房,gw-assembly,${expected.offlineAssembly},0`);
    for (const t of ['summary', 'handling', 'shelving', 'open-rectifications']) expect((await csv(t)).length).toBeGreaterThan(1);
  });

  it('serves HTML with the report embedded for machines, a region report, quarters and years', async () => {
    const html = await server.app.inject(`${REPORT}?format=html`);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    const embedded = JSON.parse(/<script type="application\/json" id="hazwatch-report">(.*?)<\/script>/s.exec(html.body)![1]!) as Report;
    expect(reportDigest(embedded)).toBe(embedded.digest);
    expect(html.body).toContain(embedded.digest);

    const region = await getJson<Report>(server, '/api/v1/reports/regions/370300/2026-03');
    const ent = await getJson<Report>(server, REPORT);
    expect(region).toMatchObject({ kind: 'region', scope: '370300' });
    expect(region.enterprises.map((e) => e.enterprise.id)).toEqual(['demo-ent']);
    expect(region.summary).toEqual(ent.summary);
    expect(region.byTypeLevel).toEqual(ent.byTypeLevel);
    expect((await server.app.inject('/api/v1/reports/regions/370300/2026-03?format=html')).body).toContain('辖区合计 Region totals');
    expect((await server.app.inject('/api/v1/reports/regions/370300/2026-03?format=csv&table=summary')).body).toContain('\r\n*,11,');

    // The quarter adds February's warning (raised 28 Feb 23:50); the year adds April's too.
    expect((await getJson<Report>(server, '/api/v1/reports/enterprises/demo-ent/2026-Q1')).summary.alarms).toBe(12);
    expect((await getJson<Report>(server, '/api/v1/reports/enterprises/demo-ent/2026')).summary.alarms).toBe(13);
    expect((await getJson<Report>(server, '/api/v1/reports/enterprises/demo-ent/2026-04')).summary.alarms).toBe(1);
  });

  it('a report names the ledger head it stands on, and checks out offline against the exported ledger', async () => {
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, { out: (x) => void out.push(x), err: (x) => void err.push(x) });
      return { code, out: out.join(''), err: err.join('') };
    };
    const htmlFile = join(tmp.dir, 'march.html');
    const jsonFile = join(tmp.dir, 'march.json');
    const ledgerFile = join(tmp.dir, 'ledger.jsonl');
    writeFileSync(htmlFile, (await server.app.inject(`${REPORT}?format=html`)).body);
    const report = await getJson<Report>(server, REPORT);
    writeFileSync(jsonFile, JSON.stringify(report));
    expect(report.ledger).toEqual(await server.alarms.ledgerHead());

    // Handling goes on after the report: the report still checks out against the longer ledger.
    const m9 = (await server.alarms.get('M0009'))!;
    await server.alarms.append([{ kind: 'commented', at: new Date().toISOString(), alarm: { ...m9, comments: [{ at: new Date().toISOString(), by: 'regulator', text: '请补充整改照片' }] }, by: 'regulator' }]);
    expect((await run('ledger', 'export', '--data-dir', dataDir, '--output', ledgerFile)).code).toBe(0);
    for (const file of [htmlFile, jsonFile]) {
      const ok = await run('report', 'verify', '--report', file, '--ledger', ledgerFile);
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toContain(`ok: the ledger holds the report's head, event ${report.ledger!.seq} with hash ${report.ledger!.hash}`);
      expect(ok.out).toContain('ok: enterprise demo-ent: byTypeLevel, handling, alarms, shelving, openRectifications and the alarm counts are the ledger\'s');
    }

    // A changed byte in the ledger before the head.
    const lines = readFileSync(ledgerFile, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"kind":"cleared"'));
    expect(lines[i]).toContain('"clearedAt":"2026-');
    const edited = join(tmp.dir, 'edited.jsonl');
    writeFileSync(edited, [...lines.slice(0, i), lines[i]!.replace('"clearedAt":"2026-', '"clearedAt":"2027-'), ...lines.slice(i + 1)].join('\n'));
    const broken = await run('report', 'verify', '--report', jsonFile, '--ledger', edited);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/FAILED: the ledger is not intact: line \d+ \(seq \d+\)/);

    // A changed number in the report; and the same with its digest made anew, as a forger would.
    const tampered = structuredClone(report);
    tampered.enterprises[0]!.byTypeLevel[0]!.count -= 1;
    writeFileSync(jsonFile, JSON.stringify(tampered));
    const changed = await run('report', 'verify', '--report', jsonFile, '--ledger', ledgerFile);
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('FAILED: the report does not match its digest');
    writeFileSync(jsonFile, JSON.stringify({ ...tampered, digest: reportDigest(tampered) }));
    const forged = await run('report', 'verify', '--report', jsonFile, '--ledger', ledgerFile);
    expect(forged.code).toBe(1);
    expect(forged.out).toContain(`FAILED: enterprise demo-ent: byTypeLevel differ from the ledger up to event ${report.ledger!.seq}`);

    // A ledger exported before the report was made cannot vouch for it.
    const short = join(tmp.dir, 'short.jsonl');
    writeFileSync(short, `${lines.filter((l) => l !== '' && (JSON.parse(l) as { seq: number }).seq < report.ledger!.seq).join('\n')}\n`);
    writeFileSync(jsonFile, JSON.stringify(report));
    const early = await run('report', 'verify', '--report', jsonFile, '--ledger', short);
    expect(early.code).toBe(1);
    expect(early.out).toContain(`FAILED: the ledger has no event ${report.ledger!.seq}`);
    expect((await run('report', 'verify', '--report', join(tmp.dir, 'nope.json'), '--ledger', short)).code).toBe(2);
  });

  it('refuses unknown scopes and malformed periods with clear errors', async () => {
    const status = async (url: string) => {
      const res = await server.app.inject(url);
      return [res.statusCode, (res.json() as { message: string }).message] as const;
    };
    expect(await status('/api/v1/reports/enterprises/nobody/2026-03')).toEqual([404, 'no enterprise "nobody" in the running configuration']);
    expect(await status('/api/v1/reports/regions/110000/2026-03')).toEqual([404, 'no enterprise in region 110000']);
    expect((await status('/api/v1/reports/enterprises/demo-ent/2026-13'))[0]).toBe(400);
    expect((await status('/api/v1/reports/enterprises/demo-ent/March'))[0]).toBe(400);
    expect(await status(`${REPORT}?format=csv`)).toEqual([400, expect.stringContaining('format=csv needs table=NAME')]);
    expect((await status(`${REPORT}?format=docx`))[0]).toBe(400);
  });
});

describe('report periods', () => {
  it('parses months, quarters and years, and bounds them at local midnight', () => {
    expect(parsePeriod('2026-03')).toEqual({ kind: 'month', label: '2026-03', first: '2026-03-01', next: '2026-04-01' });
    expect(parsePeriod('2026-12')?.next).toBe('2027-01-01');
    expect(parsePeriod('2026-Q4')).toEqual({ kind: 'quarter', label: '2026-Q4', first: '2026-10-01', next: '2027-01-01' });
    expect(parsePeriod('2026')).toEqual({ kind: 'year', label: '2026', first: '2026-01-01', next: '2027-01-01' });
    for (const bad of ['2026-00', '2026-13', '2026-Q5', '26', '2026-3', 'March']) expect(parsePeriod(bad), bad).toBeUndefined();
    expect(periodBounds(parsePeriod('2026-03')!, 'Asia/Shanghai')).toEqual({ start: Date.parse('2026-02-28T16:00:00Z'), end: Date.parse('2026-03-31T16:00:00Z') });
    // Berlin moves to summer time on 29 March 2026: April starts at 22:00 UTC, March at 23:00 UTC.
    expect(periodBounds(parsePeriod('2026-03')!, 'Europe/Berlin')).toEqual({ start: Date.parse('2026-02-28T23:00:00Z'), end: Date.parse('2026-03-31T22:00:00Z') });
  });
});

function byKey(a: { type: string; reason: string | null; level: string }, b: { type: string; reason: string | null; level: string }) {
  return `${a.type}|${a.reason}|${a.level}`.localeCompare(`${b.type}|${b.reason}|${b.level}`);
}

describe('region reports and PDF without Chromium', () => {
  const TWO = `
regulation: miit-2024
defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 3600 }
enterprises:
  - id: ent-a
    name: 淄川样例
    region: "370302"
    workshops: [ { id: ws-1, name: 工房一, hazardClass: "1.1", staffingLimit: 2 } ]
    gateways: [ { id: gw-1, workshops: [ws-1] } ]
  - id: ent-b
    name: 博山样例
    region: "370304"
    workshops: [ { id: ws-1, name: 工房一, hazardClass: "1.1", staffingLimit: 2 } ]
    gateways: [ { id: gw-1, workshops: [ws-1] } ]
`;

  it('sums the enterprises of a region, each counted in its own section', async () => {
    const tmp = tempDir();
    const configs = new SqliteConfigStore({ dataDir: tmp.dir });
    const alarms = new SqliteAlarmStore({ dataDir: tmp.dir });
    try {
      const parsed = parseSiteText(TWO);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      configs.add({ site: parsed.site, text: TWO, source: 'test', changedBy: 'test', changedAt: '2026-02-01T00:00:00.000Z' });
      // Two over-staffings at ent-a and one at ent-b, in March; each gateway reports every half hour.
      const t0 = L('2026-03-02T08:00:00');
      const read = (ent: string, at: number, seq: number, total: number) => ({
        at, enterpriseId: ent, gatewayId: 'gw-1', telemetry: { v: 1, gatewayId: 'gw-1', seq, sentAt: at, readings: [{ workshopId: 'ws-1', ts: at, headcount: { total } }] },
      });
      const inputs = [
        read('ent-a', t0, 1, 1), read('ent-b', t0, 1, 1),
        read('ent-a', t0 + 60_000, 2, 3), read('ent-a', t0 + 120_000, 3, 1),
        read('ent-a', t0 + 1_800_000, 4, 4), read('ent-b', t0 + 1_800_000, 2, 3),
        read('ent-a', t0 + 1_900_000, 5, 1), read('ent-b', t0 + 2_000_000, 3, 1),
      ];
      const r = replay(parsed.site, inputs, t0 + 2_400_000);
      expect(r.rejected).toEqual([]);
      await alarms.append(r.events);
      const source = reportSource(alarms, configs);
      const march = parsePeriod('2026-03')!;
      const region = await buildReport(source, { kind: 'region', region: '370300' }, march, Date.now());
      expect(region.enterprises.map((s) => [s.enterprise.id, s.summary.alarms])).toEqual([['ent-a', 2], ['ent-b', 1]]);
      expect(region.summary.alarms).toBe(3);
      expect(region.byTypeLevel).toEqual([expect.objectContaining({ type: 'over-staffing', level: 'alarm', count: 3, cleared: 3 })]);
      expect(region.handling.at(-1)).toMatchObject({ type: 'all', count: 3, acknowledged: 0 });
      const one = await buildReport(source, { kind: 'region', region: '370304' }, march, Date.now());
      expect(one.enterprises.map((s) => s.enterprise.id)).toEqual(['ent-b']);
    } finally {
      configs.close();
      await alarms.close();
      tmp.remove();
    }
  });

  it('says plainly when there is no Chromium to print with', async () => {
    await expect(chromiumPdfRenderer({ executablePath: '/nonexistent/chromium' }).render('<p>x</p>')).rejects.toThrow(PdfUnavailableError);
    await expect(chromiumPdfRenderer({ executablePath: '/nonexistent/chromium' }).render('<p>x</p>')).rejects.toThrow(/PDF needs Chromium; none found at \/nonexistent\/chromium/);
  });
});
