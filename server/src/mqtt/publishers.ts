import { gatewayConfigFor, topics, type AlarmRecord, type GatewayConfigPayload, type SiteConfig } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.ts';
import type { PlatformClient } from './platform-client.ts';

/**
 * Each gateway's retained `config` topic (QoS 1), its limits for local alarms at the edge (SPEC 2).
 * `all`: every gateway's (at start: a broker may have lost its retained messages). Otherwise (a new
 * revision) only those whose limits, names or calendar changed since last published: a revision of one
 * enterprise would else send a province's every gateway a config to take in and write down. A config
 * left as it was keeps the revision it came from (GatewayConfigPayload.revision: where its limits come
 * from). A gateway the revision removed gets an empty retained message, which clears its topic.
 */
export class GatewayConfigs {
  /** What was last published per topic, without its revision and time. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly client: PlatformClient,
    private readonly log: Logger,
  ) {}

  async publish(site: SiteConfig, revision: number, issuedAt: number, all: boolean): Promise<void> {
    const now = new Map<string, { content: string; payload: GatewayConfigPayload }>();
    for (const e of site.enterprises) {
      for (const g of e.gateways) {
        const payload = gatewayConfigFor(site, e.id, g.id, revision, issuedAt);
        const { revision: _r, issuedAt: _t, ...content } = payload;
        now.set(topics.config(e.id, g.id), { content: JSON.stringify(content), payload });
      }
    }
    const sends: { topic: string; payload: string; content: string | undefined }[] = [];
    for (const [topic, c] of now) if (all || this.sent.get(topic) !== c.content) sends.push({ topic, payload: JSON.stringify(c.payload), content: c.content });
    for (const topic of this.sent.keys()) if (!now.has(topic)) sends.push({ topic, payload: '', content: undefined });
    const results = await Promise.allSettled(sends.map((x) => this.client.publish(x.topic, x.payload, { qos: 1, retain: true })));
    // One that failed is sent again with the next revision (its content is not taken as sent).
    results.forEach((r, k) => {
      const x = sends[k]!;
      if (r.status === 'rejected') return this.log.warn({ err: r.reason, topic: x.topic }, 'gateway config publish failed');
      if (x.content === undefined) this.sent.delete(x.topic);
      else this.sent.set(x.topic, x.content);
    });
    this.log.info({ gateways: now.size, published: sends.length, revision }, 'published gateway configs');
  }
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
