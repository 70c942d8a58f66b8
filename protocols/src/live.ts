import { z } from 'zod';
import { Id } from './ids.ts';
import type { AlarmEvent } from './alarm.ts';

/** SPEC 4: the live state of a staffing scope. `unverifiable` while its gateway is offline. */
export const ScopeStatus = z.enum(['normal', 'full', 'over', 'unverifiable']);
export type ScopeStatus = z.infer<typeof ScopeStatus>;

const Time = z.iso.datetime({ offset: true });

export const PersonInside = z.strictObject({ id: z.string(), since: Time });

/** One workshop as the control room sees it (GET /api/v1/workshops, socket.io `workshop`). */
export const WorkshopLive = z.strictObject({
  enterpriseId: Id,
  workshopId: Id,
  name: z.string(),
  hazardClass: z.string(),
  kind: z.string(),
  lines: z.array(Id),
  gatewayId: Id.nullable(),
  headcount: z.number().nullable(),
  /** Headcount as last known when the current value is unknown (`headcount: null`). */
  lastKnownHeadcount: z.number().nullable(),
  staffingLimit: z.number().nullable(),
  byLine: z.record(z.string(), z.number()),
  lineStaffingLimits: z.record(z.string(), z.number()),
  materialKg: z.number().nullable(),
  quantityLimitKg: z.number().nullable(),
  quantityWarnKg: z.number().nullable(),
  persons: z.array(PersonInside),
  status: ScopeStatus,
  /** Quantity against its limit: `warning` between 预警 and 定量. */
  quantityStatus: z.enum(['normal', 'warning', 'over', 'unverifiable']),
  updatedAt: Time.nullable(),
});
export type WorkshopLive = z.infer<typeof WorkshopLive>;

export const LineLive = z.strictObject({
  enterpriseId: Id,
  lineId: Id,
  name: z.string(),
  headcount: z.number(),
  staffingLimit: z.number().nullable(),
  status: ScopeStatus,
  dayOutput: z.number(),
  capacityPerDay: z.number().nullable(),
});
export type LineLive = z.infer<typeof LineLive>;

/** socket.io: what the server emits to dashboards. */
export interface ServerToClientEvents {
  workshop: (w: WorkshopLive) => void;
  line: (l: LineLive) => void;
  alarm: (e: AlarmEvent) => void;
  /** Sent every few seconds so a dashboard can tell a quiet plant from a dead connection. */
  heartbeat: (h: { at: string }) => void;
}
export interface ClientToServerEvents {
  subscribe: (r: { enterpriseId?: string }, ack: (res: { ok: boolean; error?: string }) => void) => void;
}
