import { connect, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export type PlatformClient = {
  publish(topic: string, payload: string | Buffer, opts: IClientPublishOptions): Promise<void>;
  close(): Promise<void>;
};

export type PlatformClientOptions = {
  url: string;
  clientId: string;
  /** Filters subscribed at QoS 1. */
  subscriptions: string[];
  /**
   * Called for each message, one at a time, in arrival order. The QoS 1 PUBACK goes out only after
   * it resolves (so only after the batch is durably stored); if it rejects, the message is left
   * unacknowledged and the connection is recycled so the broker delivers it again.
   */
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  log: Logger;
  connectTimeoutMs?: number;
};

/**
 * The platform's one MQTT connection, to the embedded broker or an external one alike: a persistent
 * session (clean: false) so QoS 1 messages that arrive while it reconnects are kept for it.
 */
export async function connectPlatformClient(opts: PlatformClientOptions): Promise<PlatformClient> {
  const log = opts.log.child({ component: 'mqtt' });
  const client: MqttClient = connect(opts.url, {
    clientId: opts.clientId,
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    // Set the handler before connecting: a persistent session may deliver queued messages at once.
    manualConnect: true,
  });
  let chain: Promise<void> = Promise.resolve();
  client.handleMessage = (packet, callback) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    chain = chain
      .then(() => opts.onMessage(packet.topic, payload))
      .then(
        () => callback(),
        (err: unknown) => {
          log.error({ err, topic: packet.topic }, 'message not acknowledged; reconnecting for redelivery');
          // Skip the PUBACK; dropping the connection makes the broker resend with the session.
          callback(err as Error);
          setTimeout(() => client.stream?.destroy(), 1000).unref();
        },
      );
  };
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT client error'));
  client.on('offline', () => log.warn({ url: opts.url }, 'MQTT broker unreachable; retrying'));
  client.on('reconnect', () => log.debug('MQTT reconnecting'));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`cannot reach the MQTT broker at ${opts.url} within ${(opts.connectTimeoutMs ?? 10_000) / 1000} s`));
    }, opts.connectTimeoutMs ?? 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  const granted = await client.subscribeAsync(opts.subscriptions, { qos: 1 });
  const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
  if (refused.length > 0) {
    await client.endAsync(true);
    throw new Error(`the MQTT broker at ${opts.url} refused the subscriptions ${refused.join(', ')}`);
  }
  log.info({ url: opts.url, subscriptions: opts.subscriptions }, 'platform MQTT client connected');

  let closing: Promise<void> | undefined;
  return {
    publish: async (topic, payload, popts) => {
      await client.publishAsync(topic, payload, popts);
    },
    close: () =>
      (closing ??= (async () => {
        await chain.catch(() => undefined);
        await client.endAsync();
      })()),
  };
}
