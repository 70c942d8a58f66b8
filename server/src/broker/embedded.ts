import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { urlHost } from '../util/url-host.ts';
import type { MqttAccess, MqttIdentity } from './access.ts';
import { packetSizeGuard } from './packet-limit.ts';

export type Broker = {
  /** Where clients on this machine reach the broker. */
  url: string;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  close(): Promise<void>;
};

export type EmbeddedBrokerOptions = {
  host: string;
  port: number;
  log: Logger;
  /**
   * Takes every publish on a topic `accepts` before aedes acknowledges it: aedes 1.x sends the QoS 1
   * PUBACK before it routes a message, so ingesting from a subscription would acknowledge a batch
   * before it is stored. Resolving means durably handled (PUBACK and routing follow); rejecting leaves
   * the message unacknowledged and drops the sender's connection, so it sends it again.
   */
  ingest?: (topic: string, payload: Buffer) => Promise<void>;
  accepts?: (topic: string) => boolean;
  /** Authentication and per-topic authorisation (issue 6); unset: anyone may do anything. */
  access?: MqttAccess;
  /** Connections announcing a bigger packet are dropped before it arrives. */
  maxPacketBytes?: number;
  /** PEM certificate and key: the broker speaks MQTT over TLS (mqtts://). */
  tls?: { cert: Buffer; key: Buffer };
};

/**
 * The zero-setup broker: aedes 1.x on plain TCP, sessions and retained messages in memory (a restart
 * loses them; gateways republish status and the platform republishes config on start). Telemetry
 * never depends on that memory: it is stored before its PUBACK, and unacknowledged batches stay with
 * the gateway, which sends them again after a restart.
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<Broker> {
  const log = opts.log.child({ component: 'broker' });
  // One at a time, in arrival order across all gateways, as the external-broker path handles them.
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;
  const identities = new WeakMap<Client, MqttIdentity>();
  const access = opts.access;
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, callback) => {
      if (!access) return callback(null, true);
      const who = access.authenticate(client.id, username, password, remoteAddress(client));
      if (!who) return callback(Object.assign(new Error('not authorized'), { returnCode: 5 }), false);
      identities.set(client, who);
      callback(null, true);
    },
    authorizeSubscribe: (client, sub, callback) => {
      if (!access) return callback(null, sub);
      const who = client ? identities.get(client) : undefined;
      // Refused filters get SUBACK 0x80 and the connection stays.
      callback(null, who && access.maySubscribe(who, sub.topic, client.id) ? sub : null);
    },
    authorizePublish: (client, packet, callback) => {
      // aedes' default: clients may not publish under $SYS/.
      if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topic is reserved'));
      if (access && client) {
        const who = identities.get(client);
        if (!who || !access.mayPublish(who, packet.topic, client.id)) return callback(new Error(`not authorized to publish on ${packet.topic}`));
      }
      const ingest = opts.ingest;
      if (!ingest || !(opts.accepts?.(packet.topic) ?? true)) return callback(null);
      // While stopping nothing more is taken: a batch is left unacknowledged (sent again after the
      // restart), and the last wills that closing the broker publishes are dropped: the platform
      // stopping is not its gateways going offline.
      if (stopping) return callback(new Error('the platform is stopping'));
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      chain = chain
        .then(() => ingest(packet.topic, payload))
        .then(
          () => callback(null),
          (err: unknown) => {
            log.warn({ clientId: client?.id, topic: packet.topic, err: (err as Error).message }, 'message not acknowledged; the sender will send it again');
            callback(err as Error);
          },
        );
    },
  });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'connection error'));
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (opts.maxPacketBytes === undefined) return aedes.handle(socket);
    const guard = packetSizeGuard(opts.maxPacketBytes);
    guard.on('error', (err) => {
      log.warn({ remote: socket.remoteAddress, err: err.message }, 'MQTT connection dropped');
      socket.destroy();
    });
    socket.pipe(guard);
    const stream = Duplex.from({ readable: guard, writable: socket });
    stream.on('error', () => socket.destroy());
    // aedes reads the remote address off the stream it is given.
    Object.assign(stream, { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
    aedes.handle(stream as unknown as Socket);
  };
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onSocket) : createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info({ host: opts.host, port }, 'embedded MQTT broker listening');
  let closing: Promise<void> | undefined;
  return {
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://${urlHost(opts.host)}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const s of sockets) s.destroy();
        // Messages being stored finish before the stores behind them close.
        await chain.catch(() => undefined);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

function remoteAddress(client: Client): string | null {
  const conn = (client as unknown as { conn?: { remoteAddress?: string } }).conn;
  return conn?.remoteAddress ?? null;
}
