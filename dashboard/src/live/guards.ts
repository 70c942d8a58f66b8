// Boundary checks for what the server sends (HTTP bodies and socket.io events). The page does not
// bundle zod (≈60 kB for a handful of shapes); these checks cover every field the UI reads, accept
// extra fields (SPEC: new optional fields are compatible) and name the first offending path.
import type { AlarmEvent, AlarmRecord, GatewayLive, LineLive, WorkshopLive } from '@hazwatch/protocols';

export class ShapeError extends Error {}

type Check<T> = (x: unknown, path: string) => T;

const fail = (path: string, what: string): never => {
  throw new ShapeError(`${path}: expected ${what}`);
};

const str: Check<string> = (x, p) => (typeof x === 'string' ? x : fail(p, 'a string'));
const num: Check<number> = (x, p) => (typeof x === 'number' && Number.isFinite(x) ? x : fail(p, 'a finite number'));
const bool: Check<boolean> = (x, p) => (typeof x === 'boolean' ? x : fail(p, 'true or false'));
const time: Check<string> = (x, p) => (typeof x === 'string' && !Number.isNaN(Date.parse(x)) ? x : fail(p, 'an RFC 3339 time'));

function nullable<T>(c: Check<T>): Check<T | null> {
  return (x, p) => (x === null ? null : c(x, p));
}
/** Absent reads as null: optional handling fields (acknowledgedAt…) arrive only on some records. */
function optionalNull<T>(c: Check<T>): Check<T | null> {
  return (x, p) => (x === null || x === undefined ? null : c(x, p));
}
function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (x, p) => (typeof x === 'string' && (values as readonly string[]).includes(x) ? (x as T) : fail(p, `one of ${values.join(', ')}`));
}
function array<T>(c: Check<T>): Check<T[]> {
  return (x, p) => (Array.isArray(x) ? x.map((v, i) => c(v, `${p}[${i}]`)) : fail(p, 'an array'));
}
function record<T>(c: Check<T>): Check<Record<string, T>> {
  return (x, p) => {
    const o = obj(x, p);
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(o)) out[k] = c(v, `${p}.${k}`);
    return out;
  };
}
function obj(x: unknown, p: string): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : fail(p, 'an object');
}

const STATUS = ['normal', 'full', 'over', 'unverifiable'] as const;
const QSTATUS = ['normal', 'warning', 'over', 'unverifiable'] as const;
const LEVELS = ['warning', 'alarm'] as const;

export const checkWorkshop: Check<WorkshopLive> = (x, p) => {
  const o = obj(x, p);
  const at = (k: string) => `${p}.${k}`;
  return {
    enterpriseId: str(o.enterpriseId, at('enterpriseId')),
    workshopId: str(o.workshopId, at('workshopId')),
    name: str(o.name, at('name')),
    hazardClass: str(o.hazardClass, at('hazardClass')),
    kind: str(o.kind, at('kind')),
    lines: array(str)(o.lines, at('lines')),
    gatewayId: optionalNull(str)(o.gatewayId, at('gatewayId')),
    headcount: nullable(num)(o.headcount, at('headcount')),
    lastKnownHeadcount: optionalNull(num)(o.lastKnownHeadcount, at('lastKnownHeadcount')),
    staffingLimit: nullable(num)(o.staffingLimit, at('staffingLimit')),
    byLine: o.byLine === undefined ? {} : record(num)(o.byLine, at('byLine')),
    lineStaffingLimits: o.lineStaffingLimits === undefined ? {} : record(num)(o.lineStaffingLimits, at('lineStaffingLimits')),
    materialKg: nullable(num)(o.materialKg, at('materialKg')),
    quantityLimitKg: nullable(num)(o.quantityLimitKg, at('quantityLimitKg')),
    quantityWarnKg: optionalNull(num)(o.quantityWarnKg, at('quantityWarnKg')),
    persons: o.persons === undefined ? [] : array((v, q) => {
      const r = obj(v, q);
      return { id: str(r.id, `${q}.id`), since: time(r.since, `${q}.since`) };
    })(o.persons, at('persons')),
    status: oneOf(STATUS)(o.status, at('status')),
    quantityStatus: oneOf(QSTATUS)(o.quantityStatus, at('quantityStatus')),
    updatedAt: nullable(time)(o.updatedAt, at('updatedAt')),
  };
};

export const checkLine: Check<LineLive> = (x, p) => {
  const o = obj(x, p);
  const at = (k: string) => `${p}.${k}`;
  return {
    enterpriseId: str(o.enterpriseId, at('enterpriseId')),
    lineId: str(o.lineId, at('lineId')),
    name: str(o.name, at('name')),
    headcount: num(o.headcount, at('headcount')),
    staffingLimit: nullable(num)(o.staffingLimit, at('staffingLimit')),
    status: oneOf(STATUS)(o.status, at('status')),
    dayOutput: o.dayOutput === undefined ? 0 : num(o.dayOutput, at('dayOutput')),
    capacityPerDay: optionalNull(num)(o.capacityPerDay, at('capacityPerDay')),
  };
};

// What the platform last heard of a gateway. Every field but the ids reads as unknown (null) when
// absent, so an older or newer server's view still shows what it has.
export const checkGateway: Check<GatewayLive> = (x, p) => {
  const o = obj(x, p);
  const at = (k: string) => `${p}.${k}`;
  return {
    enterpriseId: str(o.enterpriseId, at('enterpriseId')),
    gatewayId: str(o.gatewayId, at('gatewayId')),
    lastHeardAt: optionalNull(time)(o.lastHeardAt, at('lastHeardAt')),
    reportedState: optionalNull(oneOf(['online', 'offline'] as const))(o.reportedState, at('reportedState')),
    reportedAt: optionalNull(time)(o.reportedAt, at('reportedAt')),
    agent: optionalNull(str)(o.agent, at('agent')),
    buffered: optionalNull(num)(o.buffered, at('buffered')),
    dropped: optionalNull(num)(o.dropped, at('dropped')),
    lastSeq: optionalNull(num)(o.lastSeq, at('lastSeq')),
    clockOffsetMs: optionalNull(num)(o.clockOffsetMs, at('clockOffsetMs')),
  };
};

// Types and reasons are open strings here: a newer server may add alarm types (SPEC 5 extensions),
// and an operator must still see the alarm, labelled by its raw type.
export const checkAlarm: Check<AlarmRecord> = (x, p) => {
  const o = obj(x, p);
  const at = (k: string) => `${p}.${k}`;
  const s = obj(o.subject, at('subject'));
  const subject: AlarmRecord['subject'] = {};
  for (const k of ['workshopId', 'lineId', 'gatewayId', 'personId', 'product'] as const) {
    if (s[k] !== undefined) subject[k] = str(s[k], `${at('subject')}.${k}`);
  }
  return {
    id: str(o.id, at('id')),
    type: str(o.type, at('type')) as AlarmRecord['type'],
    reason: optionalNull(str)(o.reason, at('reason')) as AlarmRecord['reason'],
    level: oneOf(LEVELS)(o.level, at('level')),
    enterpriseId: str(o.enterpriseId, at('enterpriseId')),
    subject,
    value: optionalNull(num)(o.value, at('value')),
    peak: optionalNull(num)(o.peak, at('peak')),
    limit: optionalNull(num)(o.limit, at('limit')),
    since: time(o.since, at('since')),
    raisedAt: time(o.raisedAt, at('raisedAt')),
    escalatedAt: optionalNull(time)(o.escalatedAt, at('escalatedAt')),
    clearedAt: optionalNull(time)(o.clearedAt, at('clearedAt')),
    detectedAt: o.detectedAt === undefined ? str(o.raisedAt, at('raisedAt')) : time(o.detectedAt, at('detectedAt')),
    late: o.late === undefined ? false : bool(o.late, at('late')),
    configRevision: o.configRevision === undefined ? 0 : num(o.configRevision, at('configRevision')),
    acknowledgedAt: optionalNull(time)(o.acknowledgedAt, at('acknowledgedAt')),
    acknowledgedBy: optionalNull(str)(o.acknowledgedBy, at('acknowledgedBy')),
    closedAt: optionalNull(time)(o.closedAt, at('closedAt')),
    closedBy: optionalNull(str)(o.closedBy, at('closedBy')),
    // Handling extensions (SPEC 5 extensions, optional on the wire): shown by the alarm views.
    comments: o.comments === undefined ? [] : array((v, q) => {
      const c = obj(v, q);
      return { at: time(c.at, `${q}.at`), by: str(c.by, `${q}.by`), text: str(c.text, `${q}.text`) };
    })(o.comments, at('comments')),
    rectification: optionalNull(str)(o.rectification, at('rectification')),
    assignedTo: optionalNull(str)(o.assignedTo, at('assignedTo')),
    assignedAt: optionalNull(time)(o.assignedAt, at('assignedAt')),
    shelvedUntil: optionalNull(time)(o.shelvedUntil, at('shelvedUntil')),
    shelveReason: optionalNull(str)(o.shelveReason, at('shelveReason')),
  };
};

export const checkAlarmEvent: Check<AlarmEvent> = (x, p) => {
  const o = obj(x, p);
  return {
    kind: str(o.kind, `${p}.kind`) as AlarmEvent['kind'],
    at: time(o.at, `${p}.at`),
    alarm: checkAlarm(o.alarm, `${p}.alarm`),
  };
};

export const checkHeartbeat: Check<{ at: string }> = (x, p) => ({ at: time(obj(x, p).at, `${p}.at`) });

/**
 * A list endpoint's body: a bare array, or an object carrying it under `key` or `items`
 * (the HTTP API may wrap lists to add paging later without breaking this page).
 */
export function checkList<T>(body: unknown, key: string, c: Check<T>): T[] {
  if (Array.isArray(body)) return array(c)(body, key);
  const o = obj(body, key);
  const list = o[key] ?? o.items;
  return array(c)(list, key);
}

/** Runs a check, turning a shape problem into a message instead of an exception. */
export function validate<T>(c: Check<T>, x: unknown, path: string): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: c(x, path) };
  } catch (e) {
    if (e instanceof ShapeError) return { ok: false, error: e.message };
    throw e;
  }
}

// The primitives, for the checks of the other API answers (api/shapes.ts).
export { array, bool, nullable, num, obj, oneOf, optionalNull, record, str, time };
export type { Check };
