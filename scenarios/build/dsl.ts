import type { SiteConfigInput } from '@hazwatch/protocols';

/**
 * A small builder for scenario files (format: shared scenarios/README.md). Times are written as
 * RFC 3339 local times with their offset, exactly as a person reads them off the SPEC; payload times
 * (`ts`, `sentAt`) go on the wire as epoch milliseconds, as gateways send them.
 */

/** `at('09:00:05')` → `2026-03-02T09:00:05+08:00`: local times of one day in one UTC offset. */
export function localDay(date: string, offset: string): (hms: string) => string {
  return (hms) => `${date}T${hms.length === 5 ? `${hms}:00` : hms}${offset}`;
}

export function ms(time: string): number {
  const n = Date.parse(time);
  if (Number.isNaN(n)) throw new Error(`not a time: ${time}`);
  return n;
}

export type WorkshopSpec = {
  kind: 'workshop';
  id: string;
  ts?: string;
  /** A number: the headcount total; null: the whole headcount unknown (`"headcount": null`). */
  hc?: number | null;
  /** `"headcount": { "total": null }`: the door counter reports an unknown total. */
  totalUnknown?: boolean;
  byLine?: Record<string, number>;
  /** Person id → since (RFC 3339). */
  persons?: [string, string][];
  kg?: number | null;
};

export type LineSpec = { kind: 'line'; id: string; ts?: string; counter: number; product?: string; unit?: string };

/** A reading written out as is, for malformed input the platform must refuse. */
export type RawSpec = { kind: 'raw'; reading: Record<string, unknown> };

export type ReadingSpec = WorkshopSpec | LineSpec | RawSpec;

export function ws(id: string, fields: Omit<WorkshopSpec, 'kind' | 'id'>): WorkshopSpec {
  return { kind: 'workshop', id, ...fields };
}

export function ln(id: string, counter: number, fields: Omit<LineSpec, 'kind' | 'id' | 'counter'> = {}): LineSpec {
  return { kind: 'line', id, counter, ...fields };
}

export function raw(reading: Record<string, unknown>): RawSpec {
  return { kind: 'raw', reading };
}

export type ExpectedSpec = {
  ent?: string;
  type: 'over-staffing' | 'over-quantity' | 'over-time' | 'over-production' | 'sensor-fault' | 'gateway-offline';
  reason?: string | null;
  level?: 'warning' | 'alarm';
  subject: { workshopId?: string; lineId?: string; gatewayId?: string; personId?: string; product?: string };
  raisedAt: string;
  clearedAt: string | null;
  escalatedAt?: string | null;
  peak?: number | null;
  late?: boolean;
  limit?: number | null;
  value?: number | null;
};

type Input = Record<string, unknown>;

export type BuiltScenario = {
  file: string;
  doc: { name: string; description: string; site: SiteConfigInput; inputs: Input[]; until: string; expect: { alarms: Record<string, unknown>[] } };
  /** Indices of the inputs the platform must refuse (checked by server/test/scenario-files.test.ts). */
  rejected: number[];
};

export class Scenario {
  private readonly inputs: Input[] = [];
  private readonly alarms: Record<string, unknown>[] = [];
  private readonly rejectedInputs: number[] = [];
  private readonly seqs = new Map<string, number>();
  private untilAt: string | undefined;
  /** How payload times go on the wire: epoch ms (what gateways usually send) or the RFC 3339 text as written. */
  private wireTime: (time: string) => number | string = ms;

  constructor(
    readonly name: string,
    private readonly description: string,
    private readonly site: SiteConfigInput,
    private readonly defaultEnt = 'ent-1',
  ) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new Error(`scenario name "${name}" is not kebab-case`);
  }

  /** Payload times from here on are sent as RFC 3339 strings with their offset (SPEC 1 allows both). */
  rfc3339(): this {
    this.wireTime = (time) => {
      ms(time);
      return time;
    };
    return this;
  }

  /**
   * A telemetry batch reaching the platform at `at`. `seq` counts up per (enterprise, gateway) unless
   * given (a redelivery repeats one); `reject` marks a batch the platform must refuse.
   */
  tel(at: string, gatewayId: string, readings: ReadingSpec[], opts: { ent?: string; seq?: number; reject?: boolean; sentAt?: string; payloadGatewayId?: string } = {}): this {
    const ent = opts.ent ?? this.defaultEnt;
    const key = `${ent}/${gatewayId}`;
    const seq = opts.seq ?? (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, Math.max(seq, this.seqs.get(key) ?? 0));
    if (opts.reject) this.rejectedInputs.push(this.inputs.length);
    this.inputs.push({
      at,
      enterpriseId: ent,
      gatewayId,
      telemetry: { v: 1, gatewayId: opts.payloadGatewayId ?? gatewayId, seq, sentAt: this.wireTime(opts.sentAt ?? at), readings: readings.map((r) => reading(r, at, this.wireTime)) },
    });
    return this;
  }

  /** A status message (a last will when `offline`), taking effect at `at`. */
  status(at: string, gatewayId: string, state: 'online' | 'offline', opts: { ent?: string } = {}): this {
    this.inputs.push({
      at,
      enterpriseId: opts.ent ?? this.defaultEnt,
      gatewayId,
      status: { v: 1, state, ts: this.wireTime(at), agent: 'scenario/1', buffered: 0 },
    });
    return this;
  }

  expect(a: ExpectedSpec): this {
    const { ent, type, reason, level, subject, raisedAt, clearedAt, ...extra } = a;
    this.alarms.push({
      enterpriseId: ent ?? this.defaultEnt,
      type,
      reason: reason ?? null,
      level: level ?? 'alarm',
      subject,
      raisedAt,
      clearedAt,
      ...extra,
    });
    return this;
  }

  until(at: string): this {
    this.untilAt = at;
    return this;
  }

  build(): BuiltScenario {
    if (this.untilAt === undefined) throw new Error(`scenario ${this.name}: no until`);
    // Inputs are replayed in file order with the clock moving to each `at`: keep them in arrival order.
    const times = [...this.inputs.map((i) => ms(i.at as string)), ms(this.untilAt)];
    times.forEach((t, i) => {
      if (i > 0 && t < times[i - 1]!) throw new Error(`scenario ${this.name}: input ${i} arrives before the one above it`);
    });
    return {
      file: `${this.name}.json`,
      doc: { name: this.name, description: this.description, site: this.site, inputs: this.inputs, until: this.untilAt, expect: { alarms: this.alarms } },
      rejected: this.rejectedInputs,
    };
  }
}

function reading(r: ReadingSpec, at: string, wireTime: (time: string) => number | string): Record<string, unknown> {
  if (r.kind === 'raw') return r.reading;
  const ts = wireTime(r.ts ?? at);
  if (r.kind === 'line') {
    const production: Record<string, unknown> = { counter: r.counter };
    if (r.unit !== undefined) production.unit = r.unit;
    if (r.product !== undefined) production.product = r.product;
    return { lineId: r.id, ts, production };
  }
  const out: Record<string, unknown> = { workshopId: r.id, ts };
  if (r.totalUnknown) out.headcount = { total: null };
  else if (r.hc === null) out.headcount = null;
  else if (r.hc !== undefined) {
    const h: Record<string, unknown> = { total: r.hc };
    if (r.byLine) h.byLine = r.byLine;
    if (r.persons) h.persons = r.persons.map(([id, since]) => ({ id, since: wireTime(since) }));
    out.headcount = h;
  }
  if (r.kg !== undefined) out.materialKg = r.kg;
  return out;
}
