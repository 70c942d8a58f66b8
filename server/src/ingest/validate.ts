// The MQTT boundary: bytes in, trusted batches out, or one specific reason. Pure; no I/O.
import { GatewayStatus, LIMITS, TelemetryBatch, formatPath, isWorkshopReading, type ParsedTopic } from '@hazwatch/protocols';
import type { Bindings } from './bindings.ts';

/** Why a message was refused. Counted per reason at /api/v1/ingest/stats. */
export const REJECT_REASONS = [
  'bad-topic',
  'oversized',
  'invalid-utf8',
  'not-json',
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

function schemaDetail(issues: { path: PropertyKey[]; message: string }[]): string {
  const shown = issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
  return shown.join('; ') + (issues.length > 5 ? `; and ${issues.length - 5} more` : '');
}

type GatewayTopic = Extract<ParsedTopic, { kind: 'telemetry' | 'status' | 'config' }>;

/**
 * SPEC 2: the whole batch or nothing. The shape, then who is speaking (topic gateway = payload gateway,
 * configured for that enterprise), then that every reading is about something bound to that gateway,
 * then that no reading claims a time more than LIMITS.futureSkewMs ahead of the platform clock.
 */
export function checkTelemetry(topic: GatewayTopic, value: unknown, bindings: Bindings, now: number): { ok: true; batch: TelemetryBatch } | Rejection {
  const parsed = TelemetryBatch.safeParse(value);
  if (!parsed.success) return reject('invalid-payload', schemaDetail(parsed.error.issues));
  const batch = parsed.data;
  if (batch.gatewayId !== topic.gatewayId) {
    return reject('gateway-mismatch', `payload gatewayId "${batch.gatewayId}" differs from the topic's gateway "${topic.gatewayId}"`);
  }
  const binding = bindings.gateway(topic.enterpriseId, topic.gatewayId);
  if (!binding) return reject('unknown-gateway', `gateway "${topic.gatewayId}" is not configured for enterprise "${topic.enterpriseId}"`);
  for (const [i, r] of batch.readings.entries()) {
    if (isWorkshopReading(r)) {
      const lines = binding.workshops.get(r.workshopId);
      if (!lines) return reject('unbound-workshop', `readings[${i}]: workshop "${r.workshopId}" is not bound to gateway "${binding.gatewayId}"`);
      for (const line of Object.keys(r.headcount?.byLine ?? {})) {
        if (!lines.has(line)) return reject('line-not-in-workshop', `readings[${i}].headcount.byLine: line "${line}" is not a line of workshop "${r.workshopId}"`);
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
  if (!parsed.success) return reject('invalid-payload', schemaDetail(parsed.error.issues));
  if (!bindings.gateway(topic.enterpriseId, topic.gatewayId)) {
    return reject('unknown-gateway', `gateway "${topic.gatewayId}" is not configured for enterprise "${topic.enterpriseId}"`);
  }
  return { ok: true, status: parsed.data };
}
