import type { AlarmRecord, WorkshopLive } from '@hazwatch/protocols';

export type GatewayStatus = 'online' | 'offline' | 'unknown';
export type GatewayView = { id: string; workshops: string[]; lines: string[]; status: GatewayStatus; lastHeardAt: string | null; alarm: AlarmRecord | null };

/**
 * A gateway's status as the platform sees it, from what the page already has: an active
 * `gateway-offline` alarm says offline (SPEC 4: status offline, or silent past offlineAfterSeconds);
 * a workshop of it with data and not unverifiable says online; otherwise nothing is known yet.
 */
export function gatewayViews(
  enterpriseId: string,
  gateways: readonly { id: string; workshops: string[]; lines: string[] }[],
  workshops: Iterable<WorkshopLive>,
  alarms: Iterable<AlarmRecord>,
): GatewayView[] {
  const mine = [...workshops].filter((w) => w.enterpriseId === enterpriseId);
  const offline = new Map<string, AlarmRecord>();
  for (const a of alarms) {
    if (a.enterpriseId === enterpriseId && a.type === 'gateway-offline' && a.subject.gatewayId && !a.clearedAt && !a.closedAt) offline.set(a.subject.gatewayId, a);
  }
  return gateways.map((g) => {
    const ws = mine.filter((w) => w.gatewayId === g.id || g.workshops.includes(w.workshopId));
    const heard = ws.map((w) => w.updatedAt).filter((x): x is string => x !== null).sort().at(-1) ?? null;
    const alarm = offline.get(g.id) ?? null;
    const status: GatewayStatus = alarm ? 'offline' : ws.some((w) => w.updatedAt !== null && w.status !== 'unverifiable') ? 'online' : 'unknown';
    return { id: g.id, workshops: g.workshops, lines: g.lines, status, lastHeardAt: heard, alarm };
  });
}
