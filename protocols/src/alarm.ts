import { z } from 'zod';
import { Id } from './ids.ts';

export const AlarmType = z.enum([
  'over-staffing', // 超员
  'over-quantity', // 超量
  'over-time', // 超时
  'over-production', // 超产
  'sensor-fault',
  'gateway-offline',
  // Extensions (SPEC: new alarm types are compatible):
  'notification-failed',
  'spool-near-full',
]);
export type AlarmType = z.infer<typeof AlarmType>;

export const AlarmReason = z.enum([
  'outside-hours',
  'dwell',
  'closed-day',
  'year',
  'day',
  'unlicensed',
  'headcount-unknown',
  'quantity-unknown',
]);
export type AlarmReason = z.infer<typeof AlarmReason>;

export const AlarmLevel = z.enum(['warning', 'alarm']);
export type AlarmLevel = z.infer<typeof AlarmLevel>;

export const AlarmSubject = z.strictObject({
  workshopId: Id.optional(),
  lineId: Id.optional(),
  gatewayId: Id.optional(),
  personId: Id.optional(),
  product: Id.optional(),
  /** Extension: the notification channel of a `notification-failed` alarm. */
  channel: Id.optional(),
});
export type AlarmSubject = z.infer<typeof AlarmSubject>;

const Time = z.iso.datetime({ offset: true });

/** Why an alarm cleared when its condition did not simply end (extension of SPEC 5). */
export const ClearReason = z.enum(['condition-ended', 'period-ended', 'subject-removed', 'limit-removed']);
export type ClearReason = z.infer<typeof ClearReason>;

export const AlarmComment = z.strictObject({ at: Time, by: z.string(), text: z.string() });

/** SPEC 5: an alarm record as stored and returned. Times are RFC 3339 in UTC. */
export const AlarmRecord = z.strictObject({
  id: z.string(),
  type: AlarmType,
  reason: AlarmReason.nullable(),
  level: AlarmLevel,
  enterpriseId: Id,
  subject: AlarmSubject,
  /** The value when raised, in the rule's unit (persons, kg, minutes, product units). */
  value: z.number().nullable(),
  peak: z.number().nullable(),
  limit: z.number().nullable(),
  since: Time,
  raisedAt: Time,
  escalatedAt: Time.nullable(),
  clearedAt: Time.nullable(),
  clearReason: ClearReason.nullable().optional(),
  detectedAt: Time,
  late: z.boolean(),
  configRevision: z.number().int(),
  acknowledgedAt: Time.nullable().optional(),
  acknowledgedBy: z.string().nullable().optional(),
  comments: z.array(AlarmComment).optional(),
  closedAt: Time.nullable().optional(),
  closedBy: z.string().nullable().optional(),
  rectification: z.string().nullable().optional(),
  // Extensions of alarm handling (optional, so records of earlier versions stay valid):
  assignedTo: z.string().nullable().optional(),
  assignedBy: z.string().nullable().optional(),
  assignedAt: Time.nullable().optional(),
  /** Shelved (notifications, reminders and escalation suppressed) until `shelvedUntil`, with a reason. */
  shelvedAt: Time.nullable().optional(),
  shelvedBy: z.string().nullable().optional(),
  shelvedUntil: Time.nullable().optional(),
  shelveReason: z.string().nullable().optional(),
  /** The notification tier reached while unacknowledged: 0 duty, 1 next tier (T1), 2 principal and regulator (T2). */
  escalationTier: z.number().int().min(0).max(2).optional(),
});
export type AlarmRecord = z.infer<typeof AlarmRecord>;

export const AlarmEventKind = z.enum([
  'raised',
  'escalated',
  'acknowledged',
  'commented',
  'assigned',
  'shelved',
  'cleared',
  'closed',
  'notified',
]);
export type AlarmEventKind = z.infer<typeof AlarmEventKind>;

/** One appended event of an alarm's audit trail, with the record as it stands after it. */
export const AlarmEvent = z.strictObject({
  kind: AlarmEventKind,
  at: Time,
  alarm: AlarmRecord,
  /** Extension: the event's position in the ledger, who acted (null: the platform) and what was done. */
  seq: z.number().int().positive().optional(),
  by: z.string().nullable().optional(),
  detail: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type AlarmEvent = z.infer<typeof AlarmEvent>;

/** The key that allows one active alarm at a time: (type, subject, reason) within an enterprise. */
export function alarmKey(a: { enterpriseId: string; type: string; reason: string | null; subject: AlarmSubject }): string {
  const s = a.subject;
  return [a.enterpriseId, a.type, a.reason ?? '', s.workshopId ?? '', s.lineId ?? '', s.gatewayId ?? '', s.personId ?? '', s.product ?? ''].join('|');
}
