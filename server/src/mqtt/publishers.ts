import { gatewayConfigFor, topics, type AlarmRecord, type SiteConfig } from '@hazwatch/protocols';
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
 * open (its record republished on every change of it), and an empty retained message once it is
 * closed (闭环), which removes it from the broker. `notified` events change nothing on the record and
 * are not republished. At start every open alarm is published again, so that a broker that lost its
 * retained messages (the embedded one keeps them in memory) shows the open alarms again.
 */
export function publishAlarms(client: PlatformClient, bus: EventBus, log: Logger, open?: () => Promise<AlarmRecord[]>): () => void {
  const publish = (alarm: AlarmRecord, closed: boolean) => {
    const topic = topics.alarm(alarm.enterpriseId, alarm.id);
    client.publish(topic, closed ? '' : JSON.stringify(alarm), { qos: 1, retain: true }).catch((err: unknown) => log.warn({ err, topic }, 'alarm publish failed'));
  };
  const off = bus.on('alarm', (e) => {
    if (e.kind === 'notified') return;
    publish(e.alarm, e.kind === 'closed' || e.alarm.closedAt != null);
  });
  open?.()
    .then((list) => {
      for (const a of list) publish(a, false);
    })
    .catch((err: unknown) => log.warn({ err }, 'republishing open alarms failed'));
  return off;
}
