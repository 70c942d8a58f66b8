/**
 * SPEC 2: the whole MQTT API, one typed map keyed by topic. Prefix `hazwatch/v1/{enterpriseId}/{gatewayId}/`.
 */
import { ID_PATTERN } from './ids.ts';

export const TOPIC_ROOT = 'hazwatch/v1';

export type GatewayTopicKind = 'telemetry' | 'status' | 'config';

/** The topic level that carries alarms where other topics carry a gateway id; no gateway may be called so. */
export const ALARMS_LEVEL = 'alarms';

/**
 * An id put into a topic must be a valid id: one with `/`, `+` or `#` would address another topic or
 * a wildcard. Ids come from validated configuration, so a bad one here is a programming error.
 */
function level(id: string, what: string): string {
  if (!ID_PATTERN.test(id)) throw new TypeError(`${what} ${JSON.stringify(id)} is not a valid id and cannot be put in an MQTT topic`);
  return id;
}

function gatewayPrefix(enterpriseId: string, gatewayId: string): string {
  if (gatewayId === ALARMS_LEVEL) throw new TypeError(`"${ALARMS_LEVEL}" is reserved and cannot be a gateway id`);
  return `${TOPIC_ROOT}/${level(enterpriseId, 'enterprise id')}/${level(gatewayId, 'gateway id')}/`;
}

function gatewayTopic(kind: GatewayTopicKind): (enterpriseId: string, gatewayId: string) => string {
  return (enterpriseId, gatewayId) => `${gatewayPrefix(enterpriseId, gatewayId)}${kind}`;
}

export const topics = {
  telemetry: gatewayTopic('telemetry'),
  status: gatewayTopic('status'),
  config: gatewayTopic('config'),
  /** Platform → consumers: retained while active, an empty retained message once closed. */
  alarm: (enterpriseId: string, alarmId: string) =>
    `${TOPIC_ROOT}/${level(enterpriseId, 'enterprise id')}/${ALARMS_LEVEL}/${level(alarmId, 'alarm id')}`,
  /** Subscriptions of the platform's ingest. */
  allTelemetry: `${TOPIC_ROOT}/+/+/telemetry`,
  allStatus: `${TOPIC_ROOT}/+/+/status`,
  /** A consumer following every alarm of one enterprise. */
  enterpriseAlarms: (enterpriseId: string) => `${TOPIC_ROOT}/${level(enterpriseId, 'enterprise id')}/${ALARMS_LEVEL}/+`,
  /** The prefix a gateway may publish and subscribe under. */
  gatewayPrefix,
} as const;

export type ParsedTopic =
  | { kind: GatewayTopicKind; enterpriseId: string; gatewayId: string }
  | { kind: 'alarm'; enterpriseId: string; alarmId: string };

/** Parses a hazwatch v1 topic; `null` for anything else (wrong root, bad id, wildcard, unknown suffix). */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'hazwatch' || parts[1] !== 'v1') return null;
  const [, , enterpriseId, middle, last] = parts as [string, string, string, string, string];
  if (!ID_PATTERN.test(enterpriseId)) return null;
  if (middle === ALARMS_LEVEL) return ID_PATTERN.test(last) ? { kind: 'alarm', enterpriseId, alarmId: last } : null;
  if (!ID_PATTERN.test(middle)) return null;
  if (last === 'telemetry' || last === 'status' || last === 'config') return { kind: last, enterpriseId, gatewayId: middle };
  return null;
}
