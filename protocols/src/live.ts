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

/**
 * What the platform knows of one configured gateway's link (GET /api/v1/gateways/live, socket.io
 * `gateway`). Taken from the inputs ingest accepted (validated, not duplicates); times are RFC 3339
 * UTC on the platform's clock unless said otherwise. `null`: not known since the platform started.
 * Whether the gateway counts as offline is the `gateway-offline` alarm's to say (SPEC 4), not this.
 */
export const GatewayLive = z.strictObject({
  enterpriseId: Id,
  gatewayId: Id,
  /**
   * Arrival time (platform clock) of its newest accepted telemetry batch. Only telemetry counts as
   * being heard from (SPEC 4): a status may be the last will, which the broker publishes for a
   * gateway that is gone.
   */
  lastHeardAt: Time.nullable(),
  /** `state` of its newest status message (SPEC 2: retained, also the last will). */
  reportedState: z.enum(['online', 'offline']).nullable(),
  /** Arrival time (platform clock) of that status message. */
  reportedAt: Time.nullable(),
  /** `agent` ("name/version") of the newest status that carried one. */
  agent: z.string().nullable(),
  /**
   * Batches in the gateway's spool still to send (待补传), as its newest `online` status said (null when
   * it did not say, or since an `offline` one: a last will is written at connect). hazwatch's edge
   * agent says it at connect, every 30 s while a backlog drains, and once more when none is left.
   */
  buffered: z.number().int().min(0).nullable(),
  /** Batches its spool had to drop (status extension `dropped`; null when it did not say). */
  dropped: z.number().int().min(0).nullable(),
  /** `seq` of its newest accepted telemetry batch. */
  lastSeq: z.number().int().min(0).nullable(),
  /**
   * Platform clock minus the gateway's clock, in milliseconds: arrival time minus `sentAt`, the
   * smallest over the batches of about the last minute (transit and spool time only add to it, so the
   * smallest is the closest to the skew), and arrival minus `ts` of each `online` status (said live).
   * Batches are not taken while its status says a backlog drains (their age is not the clock's).
   * Positive: the gateway's clock is behind.
   */
  clockOffsetMs: z.number().int().nullable(),
});
export type GatewayLive = z.infer<typeof GatewayLive>;

/** socket.io: what the server emits to dashboards. */
export interface ServerToClientEvents {
  workshop: (w: WorkshopLive) => void;
  line: (l: LineLive) => void;
  /** A gateway's link changed (a status, a clock offset), or at most every ~10 s while it sends. */
  gateway: (g: GatewayLive) => void;
  alarm: (e: AlarmEvent) => void;
  /** Sent every few seconds so a dashboard can tell a quiet plant from a dead connection. */
  heartbeat: (h: { at: string }) => void;
}
export interface ClientToServerEvents {
  subscribe: (r: { enterpriseId?: string }, ack: (res: { ok: boolean; error?: string }) => void) => void;
}
