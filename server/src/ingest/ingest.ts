import { parseTopic, topics } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EngineInput } from '../engine/index.ts';
import type { TelemetryStore } from '../storage/telemetry-store.ts';
import { rateLimitedWarn } from '../util/rate-limited-log.ts';
import type { Bindings } from './bindings.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import type { IngestMetrics } from './metrics.ts';
import type { IngestStats } from './stats.ts';
import { checkStatus, checkTelemetry, decodeJson, type Rejection } from './validate.ts';

export type IngestDeps = {
  bindings: Bindings;
  store: TelemetryStore;
  /** Feeds the rule engine; resolves once the engine's output is persisted. */
  apply: (input: EngineInput) => Promise<void>;
  stats: IngestStats;
  log: Logger;
  now?: () => number;
  /** Where rejected messages are kept for inspection. */
  deadLetters?: DeadLetterStore;
  metrics?: IngestMetrics;
  /** Told of every rejection (the security log takes those of a gateway speaking beyond its bindings). */
  onReject?: (topic: string, rejection: Rejection) => void;
};

/** The topics ingest takes (SPEC 2): all that either broker path routes to it. */
export const INGEST_FILTERS = [topics.allTelemetry, topics.allStatus];

/** True for the topics INGEST_FILTERS match (`hazwatch/v1/+/+/telemetry|status`). */
export function isIngestTopic(topic: string): boolean {
  const parts = topic.split('/');
  return parts.length === 5 && parts[0] === 'hazwatch' && parts[1] === 'v1' && (parts[4] === 'telemetry' || parts[4] === 'status');
}

/** Thrown when an accepted batch could not be written: the caller must not acknowledge it. */
export class StoreFailure extends Error {
  constructor(cause: unknown) {
    super(`telemetry store write failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StoreFailure';
  }
}

/**
 * One MQTT message in, applied at most once: the one ingest path of both broker set-ups (the embedded
 * broker calls it before its PUBACK, the platform client before its PUBACK to an external broker).
 * Bad input is counted, logged (rate limited, with a sample), kept as a dead letter and dropped; it
 * never throws. Only a failed durable write throws (StoreFailure), so the message stays
 * unacknowledged and the broker delivers it again.
 */
export function createIngest(deps: IngestDeps): (topic: string, payload: Uint8Array) => Promise<void> {
  const now = deps.now ?? Date.now;
  const warn = rateLimitedWarn(deps.log);

  const refuse = (topic: string, payload: Uint8Array, r: Rejection) => {
    deps.stats.reject(r.reason);
    deps.metrics?.reject(r.reason);
    deps.onReject?.(topic, r);
    const sample = Buffer.from(payload.subarray(0, 200)).toString('utf8');
    warn(r.reason, { reason: r.reason, topic, detail: r.detail, sample, bytes: payload.byteLength }, `rejected message: ${r.reason}`);
    try {
      deps.deadLetters?.add({ receivedAt: now(), topic, reason: r.reason, detail: r.detail, payload });
    } catch (err) {
      // Keeping the evidence of bad input must never stop good input.
      warn('dead-letter-store', { err: (err as Error).message }, 'cannot keep a dead letter');
    }
  };

  return async function ingest(topic, payload) {
    const parsedTopic = parseTopic(topic);
    if (!parsedTopic || parsedTopic.kind === 'alarm' || parsedTopic.kind === 'config') {
      return refuse(topic, payload, { ok: false, reason: 'bad-topic', detail: `not a hazwatch v1 telemetry or status topic: ${topic}` });
    }
    // A retained status cleared by an empty message is not a statement about the gateway.
    if (parsedTopic.kind === 'status' && payload.byteLength === 0) {
      deps.stats.ignored++;
      return;
    }
    const decoded = decodeJson(payload);
    if (!decoded.ok) return refuse(topic, payload, decoded);
    const at = now();
    const { enterpriseId, gatewayId } = parsedTopic;

    if (parsedTopic.kind === 'status') {
      const checked = checkStatus(parsedTopic, decoded.value, deps.bindings);
      if (!checked.ok) return refuse(topic, payload, checked);
      deps.stats.statusAccepted++;
      deps.metrics?.statuses.inc();
      await deps.apply({ kind: 'status', at, enterpriseId, gatewayId, status: checked.status });
      return;
    }

    const checked = checkTelemetry(parsedTopic, decoded.value, deps.bindings, at);
    if (!checked.ok) return refuse(topic, payload, checked);
    const { batch } = checked;
    let result: 'stored' | 'duplicate';
    const started = performance.now();
    try {
      result = await deps.store.write({ enterpriseId, gatewayId, seq: batch.seq, sentAt: batch.sentAt, receivedAt: at }, batch.readings);
      deps.metrics?.writeSeconds.observe((performance.now() - started) / 1000);
    } catch (err) {
      deps.stats.storeFailures++;
      deps.metrics?.storeFailures.inc();
      deps.log.error({ err, topic, seq: batch.seq }, 'telemetry store write failed; batch left for redelivery');
      throw new StoreFailure(err);
    }
    if (result === 'duplicate') {
      deps.stats.duplicates++;
      deps.metrics?.duplicates.inc();
      deps.metrics?.batches.inc({ result: 'duplicate' });
      deps.log.debug({ enterpriseId, gatewayId, seq: batch.seq }, 'duplicate batch ignored');
      return;
    }
    deps.stats.batchesAccepted++;
    deps.stats.readingsAccepted += batch.readings.length;
    deps.metrics?.batches.inc({ result: 'stored' });
    deps.metrics?.readings.inc(batch.readings.length);
    deps.stats.lastAcceptedAt = at;
    await deps.apply({ kind: 'telemetry', at, enterpriseId, gatewayId, batch });
  };
}
