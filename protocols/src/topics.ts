/**
 * SPEC 2: the whole MQTT API, one typed map keyed by topic. Prefix `hazwatch/v1/{enterpriseId}/{gatewayId}/`.
 */
import { ID_PATTERN } from './ids.ts';

export const TOPIC_ROOT = 'hazwatch/v1';

export type GatewayTopicKind = 'telemetry' | 'status' | 'config';

export const topics = {
  telemetry: (enterpriseId: string, gatewayId: string) => `${TOPIC_ROOT}/${enterpriseId}/${gatewayId}/telemetry`,
  status: (enterpriseId: string, gatewayId: string) => `${TOPIC_ROOT}/${enterpriseId}/${gatewayId}/status`,
  config: (enterpriseId: string, gatewayId: string) => `${TOPIC_ROOT}/${enterpriseId}/${gatewayId}/config`,
  /** Platform → consumers: retained while active, an empty retained message once closed. */
  alarm: (enterpriseId: string, alarmId: string) => `${TOPIC_ROOT}/${enterpriseId}/alarms/${alarmId}`,
  /** Subscriptions of the platform's ingest. */
  allTelemetry: `${TOPIC_ROOT}/+/+/telemetry`,
  allStatus: `${TOPIC_ROOT}/+/+/status`,
  /** The prefix a gateway may publish and subscribe under. */
  gatewayPrefix: (enterpriseId: string, gatewayId: string) => `${TOPIC_ROOT}/${enterpriseId}/${gatewayId}/`,
} as const;

export type ParsedTopic =
  | { kind: GatewayTopicKind; enterpriseId: string; gatewayId: string }
  | { kind: 'alarm'; enterpriseId: string; alarmId: string };

/** Parses a hazwatch v1 topic; `null` for anything else (wrong root, bad id, unknown suffix). */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'hazwatch' || parts[1] !== 'v1') return null;
  const [, , enterpriseId, middle, last] = parts as [string, string, string, string, string];
  if (!ID_PATTERN.test(enterpriseId)) return null;
  if (middle === 'alarms') return ID_PATTERN.test(last) ? { kind: 'alarm', enterpriseId, alarmId: last } : null;
  if (!ID_PATTERN.test(middle)) return null;
  if (last === 'telemetry' || last === 'status' || last === 'config') return { kind: last, enterpriseId, gatewayId: middle };
  return null;
}
