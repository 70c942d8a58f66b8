import { ALARMS_LEVEL, ID_PATTERN, TOPIC_ROOT, topics, type ParsedTopic } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EngineInput } from '../engine/index.ts';
import type { BatchWrite, TelemetryStore, WriteResult } from '../storage/telemetry-store.ts';
import { rateLimitedWarn } from '../util/rate-limited-log.ts';
import type { Bindings } from './bindings.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import type { IngestMetrics } from './metrics.ts';
import type { IngestStats } from './stats.ts';
import { checkStatus, checkTelemetry, decodeJson, type Rejection } from './validate.ts';

export type IngestDeps = {
  bindings: Bindings;
  store: TelemetryStore;
  /** Feeds the rule engine, in the order given; resolves once the engine's output is persisted. */
  apply: (inputs: readonly EngineInput[]) => Promise<void>;
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

// Topics are read by position rather than split: a split makes an array and a string per level, on
// every message, twice (the broker's check, then ingest's).
const ROOT = `${TOPIC_ROOT}/`;
/** Where the levels after the root end; -1 when the topic is not `hazwatch/v1/{a}/{b}/{kind}` of an ingest kind. */
function secondSlash(topic: string): number {
  if (!topic.startsWith(ROOT)) return -1;
  const first = topic.indexOf('/', ROOT.length);
  if (first < 0) return -1;
  const second = topic.indexOf('/', first + 1);
  if (second < 0) return -1;
  // The rest is exactly the kind, so holds no further level.
  const kind = topic.length - second - 1;
  return (kind === 9 && topic.endsWith('telemetry')) || (kind === 6 && topic.endsWith('status')) ? second : -1;
}

/** True for the topics INGEST_FILTERS match (`hazwatch/v1/+/+/telemetry|status`). */
export function isIngestTopic(topic: string): boolean {
  return secondSlash(topic) >= 0;
}

/** A telemetry or status topic, as protocols' `parseTopic` reads it; `undefined` for every other topic. */
export function ingestTopic(topic: string): (ParsedTopic & { kind: 'telemetry' | 'status' }) | undefined {
  const second = secondSlash(topic);
  if (second < 0) return undefined;
  const first = topic.indexOf('/', ROOT.length);
  const enterpriseId = topic.slice(ROOT.length, first);
  const gatewayId = topic.slice(first + 1, second);
  if (!ID_PATTERN.test(enterpriseId) || gatewayId === ALARMS_LEVEL || !ID_PATTERN.test(gatewayId)) return undefined;
  return { kind: topic.endsWith('telemetry') ? 'telemetry' : 'status', enterpriseId, gatewayId };
}

/** Thrown when an accepted batch could not be written: the caller must not acknowledge it. */
export class StoreFailure extends Error {
  constructor(cause: unknown) {
    super(`telemetry store write failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StoreFailure';
  }
}

export type IngestMessage = { topic: string; payload: Uint8Array };

/** What became of one message of a group: `null` handled (acknowledge it), or why it must not be acknowledged. */
export type IngestOutcome = StoreFailure | null;

export type Ingest = {
  /**
   * Messages that arrived together, in arrival order, handled as one group: each validated alone (bad
   * input is refused alone), the telemetry written in one durable transaction, then every accepted
   * input applied to the engine in arrival order and its alarm transitions persisted together. Resolves
   * with one outcome per message; a message may be acknowledged only when its outcome is `null`.
   */
  group(messages: readonly IngestMessage[]): Promise<IngestOutcome[]>;
  /** One message (a group of one); throws StoreFailure when it must not be acknowledged. */
  one(topic: string, payload: Uint8Array): Promise<void>;
};

/** A message that passed validation, in arrival order: what the engine gets, and the batch to store first. */
type Accepted = { index: number; input: EngineInput; write?: BatchWrite };

/**
 * MQTT messages in, each applied at most once: the one ingest path of both broker set-ups (the embedded
 * broker hands over groups before their PUBACKs, the platform client single messages before its PUBACK
 * to an external broker). Bad input is counted, logged (rate limited, with a sample), kept as a dead
 * letter and dropped: it is handled, never a failure. Only a batch that could not be made durable is
 * a failure (StoreFailure), so it stays unacknowledged and the broker delivers it again.
 */
export function createIngest(deps: IngestDeps): Ingest {
  const now = deps.now ?? Date.now;
  const warn = rateLimitedWarn(deps.log);
  const metrics = deps.metrics;
  const stats = deps.stats;
  // The histogram's series without labels, taken once: `observe(value)` on the histogram itself makes a
  // closure and two objects per call (~160 bytes, one call per stored batch); this makes one.
  const observeWrite = metrics?.writeSeconds.labels({}).observe;

  const refuse = (topic: string, payload: Uint8Array, r: Rejection) => {
    stats.reject(r.reason);
    metrics?.reject(r.reason);
    try {
      deps.onReject?.(topic, r);
    } catch (err) {
      // A failing listener (the security log's store) must not fail the group this message came in.
      warn('reject-listener', { err: (err as Error).message }, 'a rejection listener failed');
    }
    const sample = Buffer.from(payload.subarray(0, 200)).toString('utf8');
    warn(r.reason, { reason: r.reason, topic, detail: r.detail, sample, bytes: payload.byteLength }, `rejected message: ${r.reason}`);
    try {
      deps.deadLetters?.add({ receivedAt: now(), topic, reason: r.reason, detail: r.detail, payload });
    } catch (err) {
      // Keeping the evidence of bad input must never stop good input.
      warn('dead-letter-store', { err: (err as Error).message }, 'cannot keep a dead letter');
    }
  };

  /** Validates one message: what to apply (and store), or undefined when it was refused or ignored. */
  const accept = (index: number, topic: string, payload: Uint8Array): Accepted | undefined => {
    const parsedTopic = ingestTopic(topic);
    if (!parsedTopic) {
      refuse(topic, payload, { ok: false, reason: 'bad-topic', detail: `not a hazwatch v1 telemetry or status topic: ${topic}` });
      return undefined;
    }
    // A retained status cleared by an empty message is not a statement about the gateway.
    if (parsedTopic.kind === 'status' && payload.byteLength === 0) {
      stats.ignored++;
      return undefined;
    }
    const decoded = decodeJson(payload);
    if (!decoded.ok) {
      refuse(topic, payload, decoded);
      return undefined;
    }
    const at = now();
    const { enterpriseId, gatewayId } = parsedTopic;
    if (parsedTopic.kind === 'status') {
      const checked = checkStatus(parsedTopic, decoded.value, deps.bindings);
      if (!checked.ok) {
        refuse(topic, payload, checked);
        return undefined;
      }
      stats.statusAccepted++;
      metrics?.statuses.inc();
      return { index, input: { kind: 'status', at, enterpriseId, gatewayId, status: checked.status } };
    }
    const checked = checkTelemetry(parsedTopic, decoded.value, deps.bindings, at);
    if (!checked.ok) {
      refuse(topic, payload, checked);
      return undefined;
    }
    const { batch } = checked;
    return {
      index,
      input: { kind: 'telemetry', at, enterpriseId, gatewayId, batch },
      write: { meta: { enterpriseId, gatewayId, seq: batch.seq, sentAt: batch.sentAt, receivedAt: at }, readings: batch.readings },
    };
  };

  const group = async (messages: readonly IngestMessage[]): Promise<IngestOutcome[]> => {
    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(messages.length).fill(null);
    const accepted: Accepted[] = [];
    const writes: BatchWrite[] = [];
    for (let i = 0; i < messages.length; i++) {
      const a = accept(i, messages[i]!.topic, messages[i]!.payload);
      if (!a) continue;
      accepted.push(a);
      if (a.write) writes.push(a.write);
    }

    let results: WriteResult[] = [];
    if (writes.length > 0) {
      const started = performance.now();
      try {
        results = await deps.store.writeMany(writes);
      } catch (err) {
        // Nothing of the group's telemetry is durable: none of it is acknowledged.
        results = writes.map(() => err as Error);
      }
      // Every batch of the group waited this long for its durable write.
      const seconds = (performance.now() - started) / 1000;
      if (observeWrite) for (const r of results) if (!(r instanceof Error)) observeWrite(seconds);
    }

    // In arrival order: statuses, and telemetry that is now stored for the first time.
    const inputs: EngineInput[] = [];
    let stored = 0;
    let readings = 0;
    let duplicates = 0;
    let failed = 0;
    let failure: Error | undefined;
    let w = 0;
    for (const a of accepted) {
      if (a.write) {
        const r = results[w++]!;
        if (r instanceof Error) {
          outcomes[a.index] = new StoreFailure(r);
          failed++;
          failure ??= r;
          continue;
        }
        if (r === 'duplicate') {
          duplicates++;
          deps.log.debug({ enterpriseId: a.write.meta.enterpriseId, gatewayId: a.write.meta.gatewayId, seq: a.write.meta.seq }, 'duplicate batch ignored');
          continue;
        }
        stored++;
        readings += a.write.readings.length;
        stats.lastAcceptedAt = a.input.at;
      }
      inputs.push(a.input);
    }
    if (failed > 0) {
      stats.storeFailures += failed;
      metrics?.storeFailures.inc(failed);
      deps.log.error({ err: failure, batches: failed }, 'telemetry store write failed; batches left for redelivery');
    }
    if (duplicates > 0) {
      stats.duplicates += duplicates;
      metrics?.duplicates.inc(duplicates);
      metrics?.batches.inc({ result: 'duplicate' }, duplicates);
    }
    if (stored > 0) {
      stats.batchesAccepted += stored;
      stats.readingsAccepted += readings;
      metrics?.batches.inc({ result: 'stored' }, stored);
      metrics?.readings.inc(readings);
    }
    if (inputs.length > 0) await deps.apply(inputs);
    return outcomes;
  };

  return {
    group,
    one: async (topic, payload) => {
      const [outcome] = await group([{ topic, payload }]);
      if (outcome) throw outcome;
    },
  };
}
