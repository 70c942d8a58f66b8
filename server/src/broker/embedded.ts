import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { urlHost } from '../util/url-host.ts';
import type { AuthChange } from '../auth/service.ts';
import type { MqttAccess, MqttIdentity } from './access.ts';
import { watchRevocations } from './revocation.ts';
import { limitPacketSize } from './packet-limit.ts';

export type Broker = {
  /** Where clients on this machine reach the broker. */
  url: string;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  /** A new site revision is in force: connections outside their new scope are closed. */
  siteChanged(): void;
  close(): Promise<void>;
};

export type EmbeddedBrokerOptions = {
  host: string;
  port: number;
  log: Logger;
  /**
   * Takes every publish on a topic `accepts` before aedes acknowledges it: aedes 1.x sends the QoS 1
   * PUBACK before it routes a message, so ingesting from a subscription would acknowledge a batch
   * before it is stored. Messages come in groups, in arrival order across all connections: every one
   * that arrived while the previous group was being handled. It resolves with one outcome per
   * message: `null` means durably handled (PUBACK and routing follow); an Error leaves that message
   * unacknowledged and drops its sender's connection, so it sends it again. Rejecting counts as an
   * Error for every message of the group.
   */
  ingest?: (messages: readonly { topic: string; payload: Buffer }[]) => Promise<(Error | null)[]>;
  /** At most this many messages per group (default 1000); the rest wait for the next, in order. */
  maxGroup?: number;
  accepts?: (topic: string) => boolean;
  /** Authentication and per-topic authorisation (issue 6); unset: anyone may do anything. */
  access?: MqttAccess;
  /** Connections announcing a bigger packet are dropped before it arrives. */
  maxPacketBytes?: number;
  /** PEM certificate and key: the broker speaks MQTT over TLS (mqtts://). */
  tls?: { cert: Buffer; key: Buffer };
  /**
   * With `access`: open connections are checked again (MqttAccess.stillValid) when this says a
   * credential changed, and every `recheckMs` (default 30 s: token expiry, and changes made by another
   * process); one whose credential no longer holds is closed, and `onClosed` told.
   */
  authChanges?: (listener: (c: AuthChange) => void) => () => void;
  recheckMs?: number;
  onClosed?: (who: MqttIdentity, clientId: string, reason: 'credentials-withdrawn' | 'scope-changed') => void;
};

/**
 * The zero-setup broker: aedes 1.x on plain TCP, sessions and retained messages in memory (a restart
 * loses them; gateways republish status and the platform republishes config on start). Telemetry
 * never depends on that memory: it is stored before its PUBACK, and unacknowledged batches stay with
 * the gateway, which sends them again after a restart.
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<Broker> {
  const log = opts.log.child({ component: 'broker' });
  // Group commit: messages wait here in arrival order across all gateways; one group at a time is
  // handled, made of everything that arrived while the one before was. One durable write per group
  // instead of per message is where ingest's throughput comes from.
  type Waiting = { topic: string; payload: Buffer; clientId: string | undefined; callback: (err: Error | null) => void };
  const maxGroup = opts.maxGroup ?? 1000;
  let waiting: Waiting[] = [];
  let draining: Promise<void> | undefined;
  let stopping = false;
  const handleGroup = async (group: Waiting[]) => {
    let outcomes: (Error | null)[];
    try {
      outcomes = await opts.ingest!(group);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      outcomes = group.map(() => e);
    }
    let refused: Error | undefined;
    let refusedCount = 0;
    for (let i = 0; i < group.length; i++) {
      const m = group[i]!;
      // A message without an outcome was not handled: never acknowledged as if it had been stored.
      const err: Error | null = i < outcomes.length ? (outcomes[i] ?? null) : new Error('no outcome for this message');
      if (err) {
        refused ??= err;
        refusedCount++;
        log.debug({ clientId: m.clientId, topic: m.topic, err: err.message }, 'message not acknowledged');
      }
      try {
        m.callback(err);
      } catch (cbErr) {
        log.error({ err: cbErr, clientId: m.clientId }, 'acknowledging a message failed');
      }
    }
    if (refused) log.warn({ messages: refusedCount, err: refused.message }, 'messages not acknowledged; their senders will send them again');
  };
  const drain = async () => {
    for (;;) {
      // One turn of the event loop first: the sockets readable now hand over what they hold, and it
      // joins this group (a few microseconds when idle; the whole backlog under load).
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (waiting.length === 0) {
        // In the same tick as the check: a message arriving later starts a new drain.
        draining = undefined;
        return;
      }
      const group = waiting.length <= maxGroup ? waiting : waiting.slice(0, maxGroup);
      waiting = waiting.length <= maxGroup ? [] : waiting.slice(maxGroup);
      await handleGroup(group);
    }
  };
  const identities = new WeakMap<Client, MqttIdentity>();
  const access = opts.access;
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, callback) => {
      if (!access) return callback(null, true);
      const who = access.authenticate(client.id, username, password, remoteAddress(client));
      if (!who) return callback(Object.assign(new Error('not authorized'), { returnCode: 5 }), false);
      identities.set(client, who);
      revocation?.signedIn(client);
      callback(null, true);
    },
    // Each delivery is checked against the scope as it is now: a session kept across a disconnection
    // holds messages queued under a subscription a site revision has since put out of its reach.
    authorizeForward: (client, packet) => {
      if (!access || !client) return packet;
      const who = identities.get(client);
      if (who === undefined || who.kind === 'platform' || who.kind === 'anonymous') return packet;
      return access.stillAllowed(who, packet.topic) ? packet : null;
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
      waiting.push({ topic: packet.topic, payload, clientId: client?.id, callback });
      draining ??= drain();
    },
  });
  // A secret rotated or withdrawn, a token revoked: the connections that signed in with it go too.
  const revocation = access
    ? watchRevocations({
        aedes,
        access,
        identities,
        log,
        ...(opts.authChanges ? { authChanges: opts.authChanges } : {}),
        ...(opts.recheckMs !== undefined ? { recheckMs: opts.recheckMs } : {}),
        ...(opts.onClosed ? { onClosed: opts.onClosed } : {}),
        onGatewayCut: (enterpriseId, gatewayId) => {
          // In the gateway's stead, as if its will had come: its workshops are unverifiable from now,
          // not only once its silence reaches offlineAfterSeconds.
          if (!opts.ingest || stopping) return;
          const topic = `hazwatch/v1/${enterpriseId}/${gatewayId}/status`;
          if (!(opts.accepts?.(topic) ?? true)) return;
          const payload = Buffer.from(JSON.stringify({ v: 1, state: 'offline', ts: Date.now(), agent: 'hazwatch-platform: credential withdrawn' }));
          waiting.push({ topic, payload, clientId: undefined, callback: (err) => err && log.warn({ err: err.message, topic }, 'reporting a cut-off gateway offline failed') });
          draining ??= drain();
        },
      })
    : undefined;
  if (revocation) aedes.on('client', (client) => revocation.registered(client));
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'connection error'));
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    // A PUBACK is a few bytes written on its own: with Nagle's algorithm it waits for the ACK of the
    // previous one, which a gateway that has nothing to send delays (delayed ACK, ~40 ms). At moderate
    // load that held acknowledgements back by tens of milliseconds each, and piled up.
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (opts.maxPacketBytes !== undefined) {
      limitPacketSize(socket, opts.maxPacketBytes, (err) => {
        log.warn({ remote: socket.remoteAddress, err: err.message }, 'MQTT connection dropped');
        socket.destroy();
      });
    }
    aedes.handle(socket);
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
    siteChanged: () => revocation?.siteChanged(),
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        revocation?.stop();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const s of sockets) s.destroy();
        // Messages taken before stopping are handled before the stores behind them close.
        while (draining) await draining;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

function remoteAddress(client: Client): string | null {
  const conn = (client as unknown as { conn?: { remoteAddress?: string } }).conn;
  return conn?.remoteAddress ?? null;
}
