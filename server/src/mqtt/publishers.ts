import { gatewayConfigFor, topics, type SiteConfig } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.ts';
import type { PlatformClient } from './platform-client.ts';

/** Publishes each gateway's retained `config` topic (QoS 1) for local alarms at the edge. */
export async function publishGatewayConfigs(client: PlatformClient, site: SiteConfig, revision: number, issuedAt: number, log: Logger): Promise<void> {
  const gateways = site.enterprises.flatMap((e) => e.gateways.map((g) => ({ enterpriseId: e.id, gatewayId: g.id })));
  await Promise.all(
    gateways.map(({ enterpriseId, gatewayId }) =>
      client.publish(topics.config(enterpriseId, gatewayId), JSON.stringify(gatewayConfigFor(site, enterpriseId, gatewayId, revision, issuedAt)), {
        qos: 1,
        retain: true,
      }),
    ),
  );
  log.info({ gateways: gateways.length, revision }, 'published gateway configs');
}

/**
 * SPEC 2: each alarm on `hazwatch/v1/{enterpriseId}/alarms/{alarmId}`, QoS 1, retained while it is
 * open; an empty retained message once it is closed (closing by a person comes with alarm handling).
 */
export function publishAlarms(client: PlatformClient, bus: EventBus, log: Logger): () => void {
  return bus.on('alarm', (e) => {
    const topic = topics.alarm(e.alarm.enterpriseId, e.alarm.id);
    const payload = e.kind === 'closed' ? '' : JSON.stringify(e.alarm);
    client.publish(topic, payload, { qos: 1, retain: true }).catch((err: unknown) => log.warn({ err, topic }, 'alarm publish failed'));
  });
}
