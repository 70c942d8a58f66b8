// The live views of SPEC 4 (staffing scope states) and the alarm record of SPEC 5, built from engine facts.
import type { AlarmRecord, LineLive, WorkshopLive } from '@hazwatch/protocols';
import { iso } from '@hazwatch/protocols';
import { attributed, lineHeadcount, type EnterpriseFacts, type LineFacts, type WorkshopFacts } from './facts.ts';
import type { ActiveAlarm } from './tracker.ts';

/**
 * `iso` of the last instant asked for: a batch's readings and a view's times mostly share one
 * instant, and formatting a date is the costliest part of a view.
 */
let isoMs = NaN;
let isoText = '';
function isoOf(ms: number): string {
  if (ms !== isoMs) {
    isoText = iso(ms);
    isoMs = ms;
  }
  return isoText;
}

/**
 * A view's persons list, kept while the facts hold the same persons (a reading that changes
 * who is inside replaces them). Views share it and the `byLine` object, which are never changed
 * in place, so an unchanged workshop's view costs no copies.
 */
function personsView(ws: WorkshopFacts): WorkshopLive['persons'] {
  const persons = ws.persons;
  if (ws.personsViewOf === persons) return ws.personsView!;
  const { ids, since } = persons;
  const list: WorkshopLive['persons'] = new Array(ids.length);
  for (let k = 0; k < ids.length; k++) list[k] = { id: ids[k]!, since: isoOf(since[k]!) };
  ws.personsViewOf = persons;
  ws.personsView = list;
  return list;
}

export function workshopLive(ent: EnterpriseFacts, ws: WorkshopFacts): WorkshopLive {
  const c = ws.cfg;
  const blind = !ws.gw || !ws.gw.online || !ws.everReported;
  const h = ws.headcount;
  const status = blind || h === null ? 'unverifiable' : c.staffingLimit === undefined ? 'normal' : scopeStatus(h, c.staffingLimit, lineOver(ws));
  const kg = ws.materialKg;
  const quantityStatus =
    blind || kg === null ? 'unverifiable' : c.quantityLimitKg !== undefined && kg > c.quantityLimitKg ? 'over' : c.quantityWarnKg !== undefined && kg > c.quantityWarnKg ? 'warning' : 'normal';
  return {
    enterpriseId: ent.cfg.id,
    workshopId: c.id,
    name: c.name,
    hazardClass: c.hazardClass,
    kind: c.kind,
    lines: c.lines,
    gatewayId: ws.gw?.gatewayId ?? null,
    headcount: ws.everReported ? h : null,
    lastKnownHeadcount: ws.everReported ? ws.knownHeadcount : null,
    staffingLimit: c.staffingLimit ?? null,
    byLine: ws.byLine,
    lineStaffingLimits: c.lineStaffingLimits,
    materialKg: ws.everReported ? kg : null,
    quantityLimitKg: c.quantityLimitKg ?? null,
    quantityWarnKg: c.quantityWarnKg ?? null,
    persons: personsView(ws),
    status,
    quantityStatus,
    updatedAt: ws.updatedAt === -Infinity ? null : isoOf(ws.updatedAt),
  };
}

/** `now`: the platform clock, for which local day's output to show. */
export function lineLive(ent: EnterpriseFacts, line: LineFacts, now: number): LineLive {
  let blind = false;
  for (const w of line.staffingWorkshops) {
    if (!w.gw || !w.gw.online || !w.everReported || w.headcount === null) {
      blind = true;
      break;
    }
  }
  const n = lineHeadcount(line);
  const lim = line.cfg.staffingLimit;
  return {
    enterpriseId: ent.cfg.id,
    lineId: line.cfg.id,
    name: line.cfg.name,
    headcount: n,
    staffingLimit: lim ?? null,
    status: blind && line.staffingWorkshops.length > 0 ? 'unverifiable' : lim === undefined ? 'normal' : scopeStatus(n, lim, false),
    dayOutput: line.day.date === ent.cal.day(now).date ? line.day.total : 0,
    capacityPerDay: line.cfg.capacity?.perDay ?? null,
  };
}

/** SPEC 4: `full` exactly at the limit (满员提示), `over` above it. */
function scopeStatus(n: number, limit: number, anyLineOver: boolean): 'normal' | 'full' | 'over' {
  if (n > limit || anyLineOver) return 'over';
  return n === limit ? 'full' : 'normal';
}

function lineOver(ws: WorkshopFacts): boolean {
  const limits = ws.lineLimits;
  for (let k = 0; k < limits.length; k++) if (attributed(ws, limits[k]![0]) > limits[k]![1]) return true;
  return false;
}

export function toRecord(a: ActiveAlarm): AlarmRecord {
  return {
    id: a.id,
    type: a.type,
    reason: a.reason,
    level: a.level,
    enterpriseId: a.enterpriseId,
    subject: { ...a.subject },
    value: a.value,
    peak: a.peak,
    limit: a.limit,
    since: iso(a.since),
    raisedAt: iso(a.raisedAt),
    escalatedAt: a.escalatedAt === null ? null : iso(a.escalatedAt),
    clearedAt: a.clearedAt === null ? null : iso(a.clearedAt),
    clearReason: a.clearReason,
    detectedAt: iso(a.detectedAt),
    late: a.late,
    configRevision: a.configRevision,
  };
}
