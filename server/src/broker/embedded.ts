import { createServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { urlHost } from '../util/url-host.ts';

export type Broker = {
  /** Where clients on this machine reach the broker. */
  url: string;
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  close(): Promise<void>;
};

/**
 * The zero-setup broker: aedes 1.x on plain TCP, sessions and retained messages in memory (a restart
 * loses them; gateways republish status and the platform republishes config on start).
 */
export async function startEmbeddedBroker(opts: { host: string; port: number; log: Logger }): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const log = opts.log.child({ component: 'broker' });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'connection error'));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
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
    url: `mqtt://${urlHost(opts.host)}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}
