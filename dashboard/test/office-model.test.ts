// The pure rules behind the enterprise and regulator views: revision diff, gateway status, alarm
// states and monthly statistics, role permissions, and the boundary check of the signed-in user.
import type { AlarmRecord, GatewayLive, WorkshopLive } from '@hazwatch/protocols';
import { describe, expect, it } from 'vitest';
import { can, maySee, navFor } from '../src/auth/permissions.ts';
import { checkUser, type User } from '../src/auth/session.ts';
import { diffLines, withContext } from '../src/model/diff.ts';
import { gatewayViews, notableClockOffset } from '../src/model/gateways.ts';
import { alarmState, byMonth, mergeAlarms } from '../src/model/history.ts';

const at = '2026-03-01T08:00:00.000Z';
const alarm = (id: string, over: Partial<AlarmRecord> = {}): AlarmRecord => ({
  id, type: 'over-staffing', reason: null, level: 'alarm', enterpriseId: 'ent-1', subject: { workshopId: 'ws-a' }, value: 3, peak: 3, limit: 2,
  since: at, raisedAt: at, escalatedAt: null, clearedAt: null, detectedAt: at, late: false, configRevision: 1, ...over,
});
const ws = (id: string, over: Partial<WorkshopLive> = {}): WorkshopLive => ({
  enterpriseId: 'ent-1', workshopId: id, name: id, hazardClass: '1.1', kind: 'workshop', lines: [], gatewayId: 'gw-1', headcount: 1, lastKnownHeadcount: 1,
  staffingLimit: 2, byLine: {}, lineStaffingLimits: {}, materialKg: 0, quantityLimitKg: 10, quantityWarnKg: null, persons: [], status: 'normal',
  quantityStatus: 'normal', updatedAt: at, ...over,
});

describe('diffLines', () => {
  it('shows exactly the changed line between common head and tail', () => {
    const a = 'a\nb\nstaffingLimit: 3\nc\n';
    const b = 'a\nb\nstaffingLimit: 4\nc\n';
    const d = diffLines(a, b);
    expect(d.filter((l) => l.op !== 'same')).toEqual([
      { op: 'del', text: 'staffingLimit: 3', a: 3, b: null },
      { op: 'add', text: 'staffingLimit: 4', a: null, b: 3 },
    ]);
    expect(d.filter((l) => l.op === 'same').map((l) => l.text)).toEqual(['a', 'b', 'c']);
  });

  it('finds insertions and deletions in the middle (LCS) and treats CRLF like LF', () => {
    const d = diffLines('x\r\n1\r\n2\r\n3\r\ny', 'x\n1\nnew\n3\nextra\ny');
    expect(d.map((l) => `${l.op[0]}${l.text}`)).toEqual(['sx', 's1', 'd2', 'anew', 's3', 'aextra', 'sy']);
  });

  it('reads an empty revision as no lines', () => {
    expect(diffLines('', 'a\nb')).toEqual([
      { op: 'add', text: 'a', a: null, b: 1 },
      { op: 'add', text: 'b', a: null, b: 2 },
    ]);
    expect(diffLines('same', 'same').every((l) => l.op === 'same')).toBe(true);
  });

  it('keeps context around changes and marks the gaps once', () => {
    const before = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l15', 'L15');
    const shown = withContext(diffLines(before, after), 2);
    expect(shown.map((l) => l?.text ?? null)).toEqual(['l13', 'l14', 'l15', 'L15', 'l16', 'l17']);
    const two = withContext(diffLines(before, after.replace('l2\n', 'L2\n')), 1);
    expect(two.filter((l) => l === null)).toHaveLength(1);
  });
});

describe('gatewayViews', () => {
  const heardAt = '2026-03-02T01:00:05.000Z';
  const gwLive = (gatewayId: string, over: Partial<GatewayLive> = {}): GatewayLive => ({
    enterpriseId: 'ent-1', gatewayId, lastHeardAt: null, reportedState: null, reportedAt: null, agent: null, buffered: null, dropped: null, lastSeq: null, clockOffsetMs: null, ...over,
  });
  const gws = [{ id: 'gw-1', workshops: ['ws-a'], lines: [] }, { id: 'gw-2', workshops: ['ws-b'], lines: [] }, { id: 'gw-3', workshops: ['ws-c'], lines: [] }];
  it('is offline with an active gateway-offline alarm, online with fresh data, unknown otherwise', () => {
    const views = gatewayViews(
      'ent-1',
      gws,
      [ws('ws-a'), ws('ws-b', { gatewayId: 'gw-2', status: 'unverifiable' }), ws('ws-c', { gatewayId: 'gw-3', updatedAt: null })],
      [alarm('off', { type: 'gateway-offline', subject: { gatewayId: 'gw-2' } }), alarm('gone', { type: 'gateway-offline', subject: { gatewayId: 'gw-1' }, clearedAt: at })],
      [gwLive('gw-1', { lastHeardAt: heardAt, agent: 'edge/1.0', buffered: 3, clockOffsetMs: -6000 }), gwLive('gw-2', { enterpriseId: 'ent-2', lastHeardAt: heardAt })],
    );
    expect(views.map((v) => [v.id, v.status])).toEqual([['gw-1', 'online'], ['gw-2', 'offline'], ['gw-3', 'unknown']]);
    // Last heard on the platform's clock (its live view), not the readings' `ts` (the gateway's clock).
    expect(views[0]).toMatchObject({ lastHeardAt: heardAt, agent: 'edge/1.0', buffered: 3, clockOffsetMs: -6000 });
    // Another tenant's gateway of the same id says nothing of this one.
    expect(views[1]).toMatchObject({ lastHeardAt: null, agent: null, buffered: null, clockOffsetMs: null });
  });
  it('shows a clock offset only past 5 s either way', () => {
    expect([null, 0, 4999, -5000, 5001, -7000].map(notableClockOffset)).toEqual([null, null, null, null, 5001, -7000]);
  });
  it('ignores other tenants', () => {
    const views = gatewayViews('ent-1', gws.slice(0, 1), [ws('ws-a', { enterpriseId: 'ent-2' })], [alarm('x', { enterpriseId: 'ent-2', type: 'gateway-offline', subject: { gatewayId: 'gw-1' } })], []);
    expect(views[0]!.status).toBe('unknown');
  });
});

describe('alarm history', () => {
  it('names the handling state', () => {
    expect(alarmState(alarm('a'))).toBe('active');
    expect(alarmState(alarm('a', { acknowledgedAt: at }))).toBe('acknowledged');
    expect(alarmState(alarm('a', { acknowledgedAt: at, clearedAt: at }))).toBe('cleared');
    expect(alarmState(alarm('a', { clearedAt: at, closedAt: at }))).toBe('closed');
  });
  it('lets a pushed record replace the listed one, newest raised first', () => {
    const listed = [alarm('old'), alarm('new', { raisedAt: '2026-03-02T00:00:00.000Z' })];
    const merged = mergeAlarms(listed, [alarm('old', { acknowledgedAt: at }), alarm('other')], (a) => a.id !== 'other');
    expect(merged.map((a) => [a.id, a.acknowledgedAt ?? null])).toEqual([['new', null], ['old', at]]);
  });
  it('sums days into months in order', () => {
    expect(byMonth({ '2026-03-02': 2, '2026-02-28': 1, '2026-03-31': 4 })).toEqual([['2026-02', 1], ['2026-03', 6]]);
  });
});

describe('permissions', () => {
  const user = (role: User['role'], over: Partial<User> = {}): User => ({ id: role, username: role, displayName: role, role, enterpriseId: null, region: null, ...over });
  it('gives each role its screens and actions', () => {
    expect(navFor(user('operator', { enterpriseId: 'ent-1' }))).not.toContain('regulator');
    expect(navFor(user('regulator', { region: '3703' }))[0]).toBe('regulator');
    expect(can(user('regulator'), 'acknowledge')).toBe(false);
    expect(can(user('regulator'), 'request-rectification')).toBe(true);
    expect(can(user('operator'), 'edit-config')).toBe(false);
    expect(can(user('enterprise-admin'), 'edit-config')).toBe(true);
  });
  it('limits enterprises by tenant or region prefix', () => {
    expect(maySee(user('operator', { enterpriseId: 'ent-1' }), { id: 'ent-2' })).toBe(false);
    expect(maySee(user('operator', { enterpriseId: 'ent-1' }), { id: 'ent-1' })).toBe(true);
    expect(maySee(user('regulator', { region: '3703' }), { id: 'e', region: '370306' })).toBe(true);
    expect(maySee(user('regulator', { region: '3703' }), { id: 'e', region: '370102' })).toBe(false);
    expect(maySee(user('regulator', { region: null }), { id: 'e', region: '370306' })).toBe(false);
    expect(maySee(user('admin'), { id: 'anything' })).toBe(true);
  });
  it('accepts only a well-formed user from /auth/me', () => {
    expect(checkUser({ id: 'u1', username: 'op', displayName: '', role: 'operator', enterpriseId: 'ent-1', region: null })).toEqual({ id: 'u1', username: 'op', displayName: 'op', role: 'operator', enterpriseId: 'ent-1', region: null });
    expect(checkUser({ id: 'u1', username: 'op', role: 'root', enterpriseId: null, region: null })).toBeNull();
    expect(checkUser({ id: 'u1', username: 'op', role: 'admin', enterpriseId: 3, region: null })).toBeNull();
    expect(checkUser(null)).toBeNull();
  });
});
