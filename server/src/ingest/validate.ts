// The MQTT boundary: bytes in, trusted batches out, or one specific reason. Pure; no I/O.
import { GatewayStatus, LIMITS, TelemetryBatch, formatPath, isWorkshopReading, type ParsedTopic } from '@hazwatch/protocols';
import type { Bindings } from './bindings.ts';
import { fastTelemetryBatch } from './fast-telemetry.ts';

/**
 * Why a message was refused. Counted per reason at /api/v1/ingest/stats and in /metrics
 * (`hazwatch_ingest_rejected_total{reason}`), and kept with each dead letter. The schema reasons
 * (`not-an-object` … `invalid-value`) name the first problem zod found; the detail lists them all.
 */
export const REJECT_REASONS = [
  'bad-topic',
  'oversized',
  'empty-payload',
  'invalid-utf8',
  'not-json',
  'not-an-object',
  'unsupported-version',
  'missing-field',
  'unknown-field',
  'wrong-type',
  'not-finite',
  'not-whole-number',
  'negative-value',
  'out-of-range',
  'too-many-items',
  'bad-id',
  'bad-timestamp',
  'unknown-reading-kind',
  'inconsistent-headcount',
  'invalid-value',
  'invalid-payload',
  'gateway-mismatch',
  'unknown-gateway',
  'unbound-workshop',
  'unbound-line',
  'line-not-in-workshop',
  'future-ts',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Rejection = { ok: false; reason: RejectReason; detail: string };

/** 256 KiB: a full batch of 1000 readings fits comfortably; anything bigger is a mistake or an attack. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function reject(reason: RejectReason, detail: string): Rejection {
  return { ok: false, reason, detail };
}

export function decodeJson(payload: Uint8Array): { ok: true; value: unknown } | Rejection {
  if (payload.byteLength === 0) return reject('empty-payload', 'payload is empty');
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('oversized', `payload is ${payload.byteLength} bytes, more than the ${MAX_PAYLOAD_BYTES} allowed`);
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return reject('invalid-utf8', 'payload is not valid UTF-8');
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return reject('not-json', `payload is not JSON: ${(err as Error).message}`);
  }
}

type Issue = { code: string; path: PropertyKey[]; message: string; expected?: string; origin?: string };

function schemaDetail(issues: Issue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${formatPath(i.path) || '(payload)'}: ${i.message}`);
  return shown.join('; ') + (issues.length > 5 ? `; and ${issues.length - 5} more` : '');
}

const TIME_KEYS = new Set<PropertyKey>(['ts', 'sentAt', 'since']);
const ID_KEYS = new Set<PropertyKey>(['gatewayId', 'workshopId', 'lineId', 'id', 'product']);

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** The reason for a schema failure, from its first issue (the order zod checks in: shape first). */
export function schemaReason(issue: Issue, input: unknown): RejectReason {
  const { code, path } = issue;
  const last = path[path.length - 1];
  const value = valueAt(input, path);
  if (path.length === 0 && code === 'invalid_type') return 'not-an-object';
  if (code === 'unrecognized_keys') return 'unknown-field';
  if ((code === 'invalid_type' || code === 'invalid_union') && value === undefined) return 'missing-field';
  if (path.length === 1 && last === 'v') return 'unsupported-version';
  if (last !== undefined && TIME_KEYS.has(last)) return 'bad-timestamp';
  if (code === 'invalid_key' || (last !== undefined && ID_KEYS.has(last) && code === 'invalid_format')) return 'bad-id';
  if ((code === 'too_big' && issue.origin === 'array') || (code === 'custom' && /too many/.test(issue.message))) return 'too-many-items';
  if (code === 'custom' && path.includes('headcount')) return 'inconsistent-headcount';
  if (code === 'custom' && path.length === 2 && path[0] === 'readings') return 'unknown-reading-kind';
  if (code === 'invalid_type' && typeof value === 'number' && !Number.isFinite(value)) return 'not-finite';
  if (code === 'invalid_type' && issue.expected === 'int' && typeof value === 'number') return 'not-whole-number';
  if (code === 'too_small' && typeof value === 'number' && value < 0) return 'negative-value';
  if (code === 'too_big' || code === 'too_small') return 'out-of-range';
  if (code === 'invalid_type') return 'wrong-type';
  if (code === 'invalid_value') return 'invalid-value';
  return 'invalid-payload';
}

function schemaRejection(issues: Issue[], input: unknown): Rejection {
  return reject(issues[0] ? schemaReason(issues[0], input) : 'invalid-payload', schemaDetail(issues));
}

type GatewayTopic = Extract<ParsedTopic, { kind: 'telemetry' | 'status' | 'config' }>;

/**
 * SPEC 2: the whole batch or nothing. The shape, then who is speaking (topic gateway = payload gateway,
 * configured for that enterprise), then that every reading is about something bound to that gateway,
 * then that no reading claims a time more than LIMITS.futureSkewMs ahead of the platform clock.
 */
export function checkTelemetry(topic: GatewayTopic, value: unknown, bindings: Bindings, now: number): { ok: true; batch: TelemetryBatch } | Rejection {
  // The common valid batch is checked by hand (the same verdict and value, a fraction of the cost);
  // the schema decides, and explains, everything else.
  let batch = fastTelemetryBatch(value);
  if (!batch) {
    const parsed = TelemetryBatch.safeParse(value);
    if (!parsed.success) return schemaRejection(parsed.error.issues as Issue[], value);
    batch = parsed.data;
  }
  if (batch.gatewayId !== topic.gatewayId) {
    return reject('gateway-mismatch', `payload gatewayId "${batch.gatewayId}" differs from the topic's gateway "${topic.gatewayId}"`);
  }
  const binding = bindings.gateway(topic.enterpriseId, topic.gatewayId);
  if (!binding) return reject('unknown-gateway', `gateway "${topic.gatewayId}" is not configured for enterprise "${topic.enterpriseId}"`);
  const readings = batch.readings;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (isWorkshopReading(r)) {
      const lines = binding.workshops.get(r.workshopId);
      if (!lines) return reject('unbound-workshop', `readings[${i}]: workshop "${r.workshopId}" is not bound to gateway "${binding.gatewayId}"`);
      const byLine = r.headcount?.byLine;
      if (byLine) {
        for (const line in byLine) {
          if (!lines.has(line)) return reject('line-not-in-workshop', `readings[${i}].headcount.byLine: line "${line}" is not a line of workshop "${r.workshopId}"`);
        }
      }
    } else if (!binding.lines.has(r.lineId)) {
      return reject('unbound-line', `readings[${i}]: line "${r.lineId}" is not bound to gateway "${binding.gatewayId}"`);
    }
    if (r.ts > now + LIMITS.futureSkewMs) {
      return reject('future-ts', `readings[${i}].ts is ${Math.round((r.ts - now) / 1000)} s ahead of the platform clock (at most ${LIMITS.futureSkewMs / 1000} s allowed)`);
    }
  }
  return { ok: true, batch };
}

export function checkStatus(topic: GatewayTopic, value: unknown, bindings: Bindings): { ok: true; status: GatewayStatus } | Rejection {
  const parsed = GatewayStatus.safeParse(value);
  if (!parsed.success) return schemaRejection(parsed.error.issues as Issue[], value);
  if (!bindings.gateway(topic.enterpriseId, topic.gatewayId)) {
    return reject('unknown-gateway', `gateway "${topic.gatewayId}" is not configured for enterprise "${topic.enterpriseId}"`);
  }
  return { ok: true, status: parsed.data };
}
