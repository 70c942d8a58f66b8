// The dashboard's pure parts: grouping, status, ordering, staleness, boundary checks, i18n, routing.
import type { AlarmRecord, LineLive, WorkshopLive } from '@hazwatch/protocols';
import { describe, expect, it } from 'vitest';
import { LangStore, translate } from '../src/i18n/lang.ts';
import { dictionaries } from '../src/i18n/strings.ts';
import { checkAlarmEvent, checkList, checkWorkshop, validate } from '../src/live/guards.ts';
import { LiveStore, STALE_AFTER_MS, staleness } from '../src/live/store.ts';
import { sortAlarms, subjectParts, typeKey, valueUnit } from '../src/model/alarms.ts';
import { groupWorkshops } from '../src/model/grouping.ts';
import { tileAlert, tileStatus } from '../src/model/status.ts';
import { needsReminder } from '../src/model/alarms.ts';
import { AlarmSound } from '../src/audio/alarm-sound.ts';
import { formatDuration } from '../src/format.ts';
import { matchRoute } from '../src/router.tsx';

const ws = (id: string, lines: string[], over: Partial<WorkshopLive> = {}): WorkshopLive => ({
  enterpriseId: 'ent-1',
  workshopId: id,
  name: id,
  hazardClass: '1.1',
  kind: 'workshop',
  lines,
  gatewayId: 'gw-1',
  headcount: 1,
  lastKnownHeadcount: 1,
  staffingLimit: 2,
  byLine: {},
  lineStaffingLimits: {},
  materialKg: 10,
  quantityLimitKg: 100,
  quantityWarnKg: null,
  persons: [],
  status: 'normal',
  quantityStatus: 'normal',
  updatedAt: '2026-03-02T01:00:00.000Z',
  ...over,
});
const line = (id: string): LineLive => ({
  enterpriseId: 'ent-1', lineId: id, name: `L ${id}`, headcount: 0, staffingLimit: 3, status: 'normal', dayOutput: 0, capacityPerDay: null,
});
const alarm = (id: string, level: 'warning' | 'alarm', raisedAt: string, over: Partial<AlarmRecord> = {}): AlarmRecord => ({
  id, type: 'over-staffing', reason: null, level, enterpriseId: 'ent-1', subject: { workshopId: 'ws-a' },
  value: 3, peak: 3, limit: 2, since: raisedAt, raisedAt, escalatedAt: null, clearedAt: null, detectedAt: raisedAt,
  late: false, configRevision: 1, ...over,
});

describe('grouping', () => {
  it('puts a shared workshop once, in the shared group, and names it under each of its lines', () => {
    const [e] = groupWorkshops(
      [ws('a', ['line-1']), ws('shared', ['line-1', 'line-2']), ws('b', ['line-2']), ws('loose', [])],
      [line('line-1'), line('line-2')],
    );
    expect(e!.groups.map((g) => [g.kind, g.workshops.map((w) => w.workshopId)])).toEqual([
      ['line', ['a']],
      ['line', ['b']],
      ['shared', ['shared']],
      ['unassigned', ['loose']],
    ]);
    const first = e!.groups[0]!;
    expect(first.kind === 'line' && first.shared.map((w) => w.workshopId)).toEqual(['shared']);
  });
  it('keeps a line with no workshop, in configuration order', () => {
    const [e] = groupWorkshops([ws('b', ['line-2'])], [line('line-1'), line('line-2')]);
    expect(e!.groups.map((g) => g.key)).toEqual(['ent-1|line|line-1', 'ent-1|line|line-2']);
  });
});

describe('tile status', () => {
  it('never shows normal without data or with an unknown headcount', () => {
    expect(tileStatus(ws('a', [], { updatedAt: null }))).toBe('unverifiable');
    expect(tileStatus(ws('a', [], { headcount: null }))).toBe('unverifiable');
    expect(tileStatus(ws('a', [], { headcount: null, status: 'over' }))).toBe('over');
    expect(tileStatus(ws('a', [], { status: 'full' }))).toBe('full');
    expect(tileStatus(ws('a', []))).toBe('normal');
  });
  it('shows the worse of staffing and explosive as the whole tile, never green with the quantity unknown', () => {
    const q = (over: Partial<WorkshopLive>) => tileAlert(ws('a', [], { quantityLimitKg: 500, materialKg: 100, quantityStatus: 'normal', ...over }));
    expect(q({})).toEqual({ status: 'normal', words: ['normal'] });
    // 超量 with the staffing merely full: red, saying so.
    expect(q({ status: 'full', quantityStatus: 'over', materialKg: 530 })).toEqual({ status: 'over', words: ['qover'] });
    expect(q({ status: 'over', quantityStatus: 'over', materialKg: 530 })).toEqual({ status: 'over', words: ['over', 'qover'] });
    expect(q({ quantityStatus: 'warning', materialKg: 470 })).toEqual({ status: 'full', words: ['qwarning'] });
    // The scale silent while the door counter reads: not green.
    expect(q({ materialKg: null })).toEqual({ status: 'unverifiable', words: ['unverifiable'] });
    // No 定量 configured: the quantity is not the tile's business.
    expect(tileAlert(ws('a', [], { quantityLimitKg: null, materialKg: null, quantityStatus: 'normal' }))).toEqual({ status: 'normal', words: ['normal'] });
  });
});

describe('alarms', () => {
  it('orders alarms before warnings, newest first', () => {
    const sorted = sortAlarms([
      alarm('w-new', 'warning', '2026-03-02T01:00:09Z'),
      alarm('a-old', 'alarm', '2026-03-02T01:00:00Z'),
      alarm('a-new', 'alarm', '2026-03-02T01:00:05Z'),
      alarm('a-escalated', 'alarm', '2026-03-02T00:00:00Z', { escalatedAt: '2026-03-02T01:00:07Z' }),
    ]);
    expect(sorted.map((a) => a.id)).toEqual(['a-escalated', 'a-new', 'a-old', 'w-new']);
  });
  it('puts the four overs before lost monitoring when raised at the same moment', () => {
    const at = '2026-03-02T01:00:00Z';
    const sorted = sortAlarms([alarm('a', 'alarm', at, { type: 'sensor-fault' }), alarm('b', 'alarm', at, { type: 'over-staffing' })]);
    expect(sorted.map((a) => a.type)).toEqual(['over-staffing', 'sensor-fault']);
  });
  it('labels types in Chinese, units by rule, subjects by name', () => {
    expect(translate('zh', typeKey('over-staffing')!)).toBe('超员');
    expect(translate('zh', typeKey('gateway-offline')!)).toBe('网关离线');
    expect(typeKey('some-future-type')).toBeNull();
    expect(valueUnit({ type: 'over-time', reason: 'dwell' })).toBe('unit.minutes');
    const parts = subjectParts(alarm('x', 'alarm', '2026-03-02T01:00:00Z', { subject: { workshopId: 'ws-a', personId: 'E1' } }),
      new Map([['ent-1|ws-a', ws('ws-a', [], { name: '乳化工房' })]]), new Map());
    expect(parts.map((p) => translate('zh', p.key, p.params))).toEqual(['乳化工房', '人员 E1']);
  });
});

describe('store and staleness', () => {
  it('is stale until synced, fresh while heard from, stale after 10 s of silence or a disconnect', () => {
    let now = 1_000_000;
    const store = new LiveStore(() => now);
    expect(staleness(store.state, now)).toMatchObject({ stale: true, reason: 'connecting' });
    store.setConnection('connected');
    expect(staleness(store.state, now)).toMatchObject({ stale: true, reason: 'connecting' });
    store.applySnapshot({ workshops: [ws('a', [])], lines: [], gateways: [], alarms: [] });
    expect(staleness(store.state, now)).toEqual({ stale: false });
    now += STALE_AFTER_MS;
    expect(staleness(store.state, now)).toEqual({ stale: false });
    now += 1;
    expect(staleness(store.state, now)).toMatchObject({ stale: true, reason: 'silent' });
    store.heartbeat(new Date(now + 5000).toISOString());
    expect(staleness(store.state, now)).toEqual({ stale: false });
    expect(store.state.serverOffsetMs).toBe(5000);
    store.setConnection('disconnected');
    expect(staleness(store.state, now)).toMatchObject({ stale: true, reason: 'disconnected' });
  });
  it('keeps an alarm while active, and after it ended until someone acknowledges it', () => {
    const store = new LiveStore();
    const a = alarm('a1', 'alarm', '2026-03-02T01:00:00Z');
    store.applyAlarmEvent({ kind: 'raised', at: a.raisedAt, alarm: a });
    expect([...store.state.alarms.keys()]).toEqual(['a1']);
    // A short 超员 that ended before anyone saw it is still shown…
    const ended = { ...a, clearedAt: '2026-03-02T01:01:00Z' };
    store.applyAlarmEvent({ kind: 'cleared', at: ended.clearedAt, alarm: ended });
    expect([...store.state.alarms.keys()]).toEqual(['a1']);
    // …until it is acknowledged.
    store.applyAlarmEvent({ kind: 'acknowledged', at: '2026-03-02T01:02:00Z', alarm: { ...ended, acknowledgedAt: '2026-03-02T01:02:00Z', acknowledgedBy: 'op' } });
    expect(store.state.alarms.size).toBe(0);
    // One acknowledged while active goes once it ends; a closed one at once.
    const b = alarm('b1', 'alarm', '2026-03-02T01:00:00Z');
    store.applyAlarmEvent({ kind: 'acknowledged', at: b.raisedAt, alarm: { ...b, acknowledgedAt: b.raisedAt } });
    expect(store.state.alarms.size).toBe(1);
    store.applyAlarmEvent({ kind: 'cleared', at: b.raisedAt, alarm: { ...b, acknowledgedAt: b.raisedAt, clearedAt: '2026-03-02T01:01:00Z' } });
    expect(store.state.alarms.size).toBe(0);
    const c = alarm('c1', 'alarm', '2026-03-02T01:00:00Z');
    store.applyAlarmEvent({ kind: 'closed', at: c.raisedAt, alarm: { ...c, clearedAt: c.raisedAt, closedAt: c.raisedAt } });
    expect(store.state.alarms.size).toBe(0);
  });
});

describe('boundary checks', () => {
  it('accepts a well-formed workshop and extra fields, names the path of a bad one', () => {
    expect(validate(checkWorkshop, { ...ws('a', []), futureField: 1 }, 'workshop').ok).toBe(true);
    expect(validate(checkWorkshop, { ...ws('a', []), headcount: '3' }, 'workshop')).toEqual({ ok: false, error: 'workshop.headcount: expected a finite number' });
    expect(validate(checkWorkshop, { ...ws('a', []), status: 'green' }, 'workshop')).toMatchObject({ ok: false });
    expect(validate(checkAlarmEvent, { kind: 'raised', at: 'nope', alarm: {} }, 'alarm')).toEqual({ ok: false, error: 'alarm.at: expected an RFC 3339 time' });
  });
  it('reads a list from a bare array or a wrapped one', () => {
    expect(checkList([ws('a', [])], 'workshops', checkWorkshop)).toHaveLength(1);
    expect(checkList({ workshops: [ws('a', [])] }, 'workshops', checkWorkshop)).toHaveLength(1);
    expect(checkList({ items: [] }, 'workshops', checkWorkshop)).toHaveLength(0);
  });
});

describe('i18n', () => {
  it('has the same keys in every language and no empty string', () => {
    expect(Object.keys(dictionaries.en).sort()).toEqual(Object.keys(dictionaries.zh).sort());
    for (const d of Object.values(dictionaries)) for (const v of Object.values(d)) expect(v.trim()).not.toBe('');
  });
  it('defaults to Chinese and persists the choice', () => {
    const saved = new Map<string, string>();
    const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    const a = new LangStore(storage);
    expect(a.lang).toBe('zh');
    a.toggle();
    expect(new LangStore(storage).lang).toBe('en');
    expect(new LangStore(null).lang).toBe('zh');
  });
  it('formats durations', () => {
    const t = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('zh', k, p);
    expect(formatDuration(45_000, t)).toBe('45秒');
    expect(formatDuration(3_725_000, t)).toBe('1小时02分');
  });
});

describe('router', () => {
  it('matches static and parameterised paths', () => {
    expect(matchRoute('/', '/')).toEqual({});
    expect(matchRoute('/workshops/:id', '/workshops/ws-1')).toEqual({ id: 'ws-1' });
    expect(matchRoute('/workshops/:id', '/lines/l')).toBeNull();
  });
});

describe('the alarm sound', () => {
  it('sounds again while an 报警 goes on unacknowledged and unshelved, not for a 预警 nor one taken', () => {
    const now = Date.parse('2026-03-02T01:05:00Z');
    const a = alarm('a1', 'alarm', '2026-03-02T01:00:00Z');
    expect(needsReminder([a], now)).toBe(true);
    expect(needsReminder([alarm('w1', 'warning', '2026-03-02T01:00:00Z')], now)).toBe(false);
    expect(needsReminder([{ ...a, acknowledgedAt: '2026-03-02T01:01:00Z' }], now)).toBe(false);
    expect(needsReminder([{ ...a, clearedAt: '2026-03-02T01:01:00Z' }], now)).toBe(false);
    expect(needsReminder([{ ...a, shelvedUntil: '2026-03-02T02:00:00Z' }], now)).toBe(false);
    // A shelving that has ended no longer holds it back.
    expect(needsReminder([{ ...a, shelvedUntil: '2026-03-02T01:02:00Z' }], now)).toBe(true);
  });

  it('ends a mute by itself', async () => {
    // The browser's AudioContext, as a running one (no Web Audio in this runtime).
    const ctx = { state: 'running', resume: async () => undefined } as unknown as AudioContext;
    const sound = new AlarmSound(() => ctx, 30);
    expect(sound.state).toBe('on');
    await sound.click();
    expect(sound.state).toBe('muted');
    const deadline = Date.now() + 2000;
    while (sound.state === 'muted' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sound.state).toBe('on');
  });
});
