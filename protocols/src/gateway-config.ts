import { z } from 'zod';
import { Id } from './ids.ts';
import { ClockTime, LocalDate, Timestamp, TimeZone } from './time.ts';
import { DayOfWeek, HazardClass, LineKind, resolveTiming, WorkshopKind } from './site.ts';
import type { SiteConfig } from './site-config.ts';

// Platform → gateway. Unlike everything a gateway sends, these objects are not strict: a platform newer
// than the gateway may add optional fields (SPEC: extensions are new optional fields), and an older
// gateway must still take the limits it knows. Absent limits are `null`: "no limit configured".

const positiveInt = z.number().int({ message: 'must be a whole number' }).positive({ message: 'must be positive' });
const positive = z.number().positive({ message: 'must be positive' });

const timing = {
  raiseAfterSeconds: z.number().min(0),
  clearAfterSeconds: z.number().min(0),
  offlineAfterSeconds: z.number().positive(),
};

export const GatewayConfigWindow = z.object({ days: z.array(DayOfWeek).min(1), from: ClockTime, to: ClockTime });

export const GatewayConfigWorkshop = z.object({
  id: Id,
  name: z.string(),
  hazardClass: HazardClass,
  kind: WorkshopKind,
  lines: z.array(Id),
  staffingLimit: positiveInt.nullable().default(null),
  lineStaffingLimits: z.record(Id, positiveInt).default({}),
  /** kg TNT equivalent. */
  quantityLimitKg: positive.nullable().default(null),
  quantityWarnKg: positive.nullable().default(null),
  /** `null`: no operating hours set, any time is allowed. */
  operatingHours: z.array(GatewayConfigWindow).nullable().default(null),
  maxDwellMinutes: positive.nullable().default(null),
  /** Resolved from defaults, the workshop's single line and the workshop (SPEC 3), so the edge need not. */
  ...timing,
});
export type GatewayConfigWorkshop = z.output<typeof GatewayConfigWorkshop>;

export const GatewayConfigLine = z.object({
  id: Id,
  name: z.string(),
  kind: LineKind,
  product: Id.nullable().default(null),
  staffingLimit: positiveInt.nullable().default(null),
  /**
   * The line's hazard class 1.1 workshops, whose persons count toward `staffingLimit` (SPEC 4). A
   * gateway can check the line's limit locally only when it is bound to all of them.
   */
  staffingWorkshops: z.array(Id).default([]),
  capacity: z.object({ perDay: positive, unit: z.string() }).nullable().default(null),
  ...timing,
});
export type GatewayConfigLine = z.output<typeof GatewayConfigLine>;

export const GatewayConfigException = z.object({
  date: LocalDate,
  workshops: z.array(Id).optional(),
  from: ClockTime.optional(),
  to: ClockTime.optional(),
});

/** SPEC 2 `config` topic (platform → gateway, QoS 1, retained): what a gateway needs for local alarms. */
export const GatewayConfigPayload = z.object({
  v: z.literal(1),
  enterpriseId: Id,
  gatewayId: Id,
  /** The site configuration revision these limits come from (SPEC 3). */
  revision: z.number().int().min(0),
  /** The enterprise's IANA zone: days, operating hours and calendar are local to it. */
  timezone: TimeZone,
  issuedAt: Timestamp,
  workshops: z.array(GatewayConfigWorkshop),
  /** The lines whose production counters the gateway reports. */
  lines: z.array(GatewayConfigLine),
  /** Closed days, and the filed exceptions (报备) that concern this gateway's workshops. */
  calendar: z
    .object({ closed: z.array(LocalDate).default([]), exceptions: z.array(GatewayConfigException).default([]) })
    .default({ closed: [], exceptions: [] }),
});
export type GatewayConfigPayload = z.output<typeof GatewayConfigPayload>;
export type GatewayConfigPayloadInput = z.input<typeof GatewayConfigPayload>;

/**
 * The retained `config` payload of one gateway. `issuedAt` is epoch milliseconds. Throws when the
 * site has no such enterprise or gateway: callers iterate the site's own gateways.
 */
export function gatewayConfigFor(
  site: SiteConfig,
  enterpriseId: string,
  gatewayId: string,
  revision: number,
  issuedAt: number,
): GatewayConfigPayload {
  const e = site.enterprises.find((x) => x.id === enterpriseId);
  if (!e) throw new Error(`the site has no enterprise ${enterpriseId}`);
  const g = e.gateways.find((x) => x.id === gatewayId);
  if (!g) throw new Error(`enterprise ${enterpriseId} has no gateway ${gatewayId}`);
  const lines = new Map(e.lines.map((l) => [l.id, l]));
  const workshops = new Map(e.workshops.map((w) => [w.id, w]));
  const mine = new Set(g.workshops);

  return {
    v: 1,
    enterpriseId,
    gatewayId,
    revision,
    timezone: e.timezone,
    issuedAt,
    workshops: g.workshops.flatMap((id) => {
      const w = workshops.get(id);
      if (!w) return [];
      const onlyLine = w.lines.length === 1 ? lines.get(w.lines[0]!) : undefined;
      return [
        {
          id: w.id,
          name: w.name,
          hazardClass: w.hazardClass,
          kind: w.kind,
          lines: [...w.lines],
          staffingLimit: w.staffingLimit ?? null,
          lineStaffingLimits: { ...w.lineStaffingLimits },
          quantityLimitKg: w.quantityLimitKg ?? null,
          quantityWarnKg: w.quantityWarnKg ?? null,
          operatingHours: w.operatingHours?.map((o) => ({ days: [...o.days], from: o.from, to: o.to })) ?? null,
          maxDwellMinutes: w.maxDwellMinutes ?? null,
          ...resolveTiming(site.defaults, w, onlyLine),
        },
      ];
    }),
    lines: g.lines.flatMap((id) => {
      const l = lines.get(id);
      if (!l) return [];
      return [
        {
          id: l.id,
          name: l.name,
          kind: l.kind,
          product: l.product ?? null,
          staffingLimit: l.staffingLimit ?? null,
          staffingWorkshops: e.workshops.filter((w) => w.hazardClass === '1.1' && w.lines.includes(l.id)).map((w) => w.id),
          capacity: l.capacity ? { ...l.capacity } : null,
          ...resolveTiming(site.defaults, l),
        },
      ];
    }),
    calendar: {
      closed: [...(e.calendar?.closed ?? [])],
      exceptions: (e.calendar?.exceptions ?? [])
        .filter((x) => x.workshops === undefined || x.workshops.some((w) => mine.has(w)))
        .map((x) => ({ ...x, ...(x.workshops ? { workshops: x.workshops.filter((w) => mine.has(w)) } : {}) })),
    },
  };
}
