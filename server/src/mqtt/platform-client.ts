import { readFileSync } from 'node:fs';
import { connect, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { MqttConfig } from '../config.ts';
import { INGEST_FILTERS } from '../ingest/ingest.ts';

/**
 * What the platform subscribes to on an external broker: SPEC 2's telemetry and status topics, through
 * `$share/{group}/…` when a group is set so that the broker spreads gateways over the instances.
 */
export function ingestSubscriptions(shareGroup?: string): string[] {
  return INGEST_FILTERS.map((f) => (shareGroup ? `$share/${shareGroup}/${f}` : f));
}

/** Credentials and TLS material of the configuration, files read now (a clear error when unreadable). */
export function brokerCredentials(mqtt: MqttConfig): Pick<PlatformClientOptions, 'username' | 'password' | 'tls'> {
  const read = (file: string | undefined, what: string) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the MQTT ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const tls = mqtt.tls;
  const ca = read(tls?.ca, 'CA file (HAZWATCH_MQTT_CA)');
  const cert = read(tls?.cert, 'client certificate (HAZWATCH_MQTT_CERT)');
  const key = read(tls?.key, 'client key (HAZWATCH_MQTT_KEY)');
  return {
    ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
    ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
    ...(tls ? { tls: { rejectUnauthorized: tls.rejectUnauthorized, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } } : {}),
  };
}

export type PlatformClient = {
  publish(topic: string, payload: string | Buffer, opts: IClientPublishOptions): Promise<void>;
  /** Connected to the broker right now (readiness, metrics). */
  connected(): boolean;
  close(): Promise<void>;
};

export type PlatformClientOptions = {
  url: string;
  clientId: string;
  /** Filters subscribed at QoS 1 (none: publish only, as with the embedded broker). */
  subscriptions: string[];
  username?: string;
  password?: string;
  /** TLS material (PEM) for mqtts:// and wss:// brokers. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  /**
   * Called for each message, one at a time, in arrival order. The QoS 1 PUBACK goes out only after
   * it resolves (so only after the batch is durably stored); if it rejects, the message is left
   * unacknowledged and the connection is recycled so the broker delivers it again.
   */
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  log: Logger;
  connectTimeoutMs?: number;
  /** Told of each connection made (true) and lost (false), first connection included (will-grace.ts). */
  onLink?: (up: boolean) => void;
};

function refusal(err: Error & { code?: string | number }): string | undefined {
  // CONNACK return codes: 4 bad user name or password, 5 not authorized (MQTT 5: 134, 135).
  if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) return 'refused the credentials (HAZWATCH_MQTT_USERNAME, HAZWATCH_MQTT_PASSWORD)';
  if (typeof err.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code)) return 'presented a certificate that is not trusted (HAZWATCH_MQTT_CA)';
  return undefined;
}

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
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(opts.tls
      ? {
          rejectUnauthorized: opts.tls.rejectUnauthorized,
          ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
          ...(opts.tls.cert ? { cert: opts.tls.cert } : {}),
          ...(opts.tls.key ? { key: opts.tls.key } : {}),
        }
      : {}),
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
  client.on('connect', () => opts.onLink?.(true));
  client.on('close', () => opts.onLink?.(false));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`cannot reach the MQTT broker at ${opts.url} within ${(opts.connectTimeoutMs ?? 10_000) / 1000} s`));
    }, opts.connectTimeoutMs ?? 10_000);
    // Refused credentials or an untrusted certificate will not fix themselves: fail now, clearly,
    // instead of retrying until the timeout.
    const onError = (err: Error & { code?: string | number }) => {
      const why = refusal(err);
      if (!why) return;
      clearTimeout(timer);
      client.off('error', onError);
      client.end(true);
      reject(new Error(`the MQTT broker at ${opts.url} ${why}: ${err.message}`));
    };
    client.on('error', onError);
    client.once('connect', () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    });
    client.connect();
  });
  const granted = opts.subscriptions.length > 0 ? await client.subscribeAsync(opts.subscriptions, { qos: 1 }) : [];
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
    connected: () => client.connected,
    close: () =>
      (closing ??= (async () => {
        await chain.catch(() => undefined);
        await client.endAsync();
      })()),
  };
}
