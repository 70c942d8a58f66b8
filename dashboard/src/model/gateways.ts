import type { AlarmRecord, GatewayLive, WorkshopLive } from '@hazwatch/protocols';

export type GatewayStatus = 'online' | 'offline' | 'unknown';
export type GatewayView = {
  id: string;
  workshops: string[];
  lines: string[];
  status: GatewayStatus;
  /** When the platform last heard it (its clock, GatewayLive.lastHeardAt); null: not since it started. */
  lastHeardAt: string | null;
  /** Batches waiting in its spool (待补传), as its latest status said; null: not said. */
  buffered: number | null;
  /** Its edge agent, "name/version" (采集程序). */
  agent: string | null;
  /** Platform clock minus the gateway's (ms, GatewayLive.clockOffsetMs). */
  clockOffsetMs: number | null;
  alarm: AlarmRecord | null;
};

/**
 * A clock offset at or below this (ms, either way) reads 正常. `arrival − sentAt` also holds the batch's
 * way through the broker and ingest (milliseconds on a LAN, a second or two on a congested cellular
 * link), and NTP-synced gateways agree to well under a second: 5 s is past both, so what shows is a
 * clock that is really wrong. It is also where a skew starts to matter: readings' `ts` drive the
 * rules' event time (SPEC 4), whose raise and clear delays are 5 s by default, and a clock more
 * than 5 minutes ahead has its batches refused (SPEC 2).
 */
export const CLOCK_OFFSET_NOTABLE_MS = 5_000;

/** The offset worth showing, or null when the clock is right enough (or not known yet). */
export function notableClockOffset(offsetMs: number | null): number | null {
  return offsetMs !== null && Math.abs(offsetMs) > CLOCK_OFFSET_NOTABLE_MS ? offsetMs : null;
}

/**
 * A gateway's status as the platform sees it, from what the page already has: an active
 * `gateway-offline` alarm says offline (SPEC 4: status offline, or silent past offlineAfterSeconds);
 * a workshop of it with data and not unverifiable says online; otherwise nothing is known yet. What
 * it last reported and when it was last heard come from its live view (`GET /gateways/live`).
 */
export function gatewayViews(
  enterpriseId: string,
  gateways: readonly { id: string; workshops: string[]; lines: string[] }[],
  workshops: Iterable<WorkshopLive>,
  alarms: Iterable<AlarmRecord>,
  live: Iterable<GatewayLive>,
): GatewayView[] {
  const mine = [...workshops].filter((w) => w.enterpriseId === enterpriseId);
  const offline = new Map<string, AlarmRecord>();
  for (const a of alarms) {
    if (a.enterpriseId === enterpriseId && a.type === 'gateway-offline' && a.subject.gatewayId && !a.clearedAt && !a.closedAt) offline.set(a.subject.gatewayId, a);
  }
  const heard = new Map<string, GatewayLive>();
  for (const g of live) if (g.enterpriseId === enterpriseId) heard.set(g.gatewayId, g);
  return gateways.map((g) => {
    const ws = mine.filter((w) => w.gatewayId === g.id || g.workshops.includes(w.workshopId));
    const alarm = offline.get(g.id) ?? null;
    const status: GatewayStatus = alarm ? 'offline' : ws.some((w) => w.updatedAt !== null && w.status !== 'unverifiable') ? 'online' : 'unknown';
    const l = heard.get(g.id);
    return {
      id: g.id,
      workshops: g.workshops,
      lines: g.lines,
      status,
      lastHeardAt: l?.lastHeardAt ?? null,
      buffered: l?.buffered ?? null,
      agent: l?.agent ?? null,
      clockOffsetMs: l?.clockOffsetMs ?? null,
      alarm,
    };
  });
}
