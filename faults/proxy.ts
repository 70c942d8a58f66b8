// A TCP relay between one gateway and the broker whose cable can be pulled: `cut()` drops every
// connection and refuses new ones (the gateway's network is gone), `restore()` lets it through again.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type CutProxy = { url: string; cut(): void; restore(): void; close(): Promise<void> };

export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  let open = true;
  const pairs = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(target.port, target.host);
    pairs.add(client);
    pairs.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut: () => {
      open = false;
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    restore: () => {
      open = true;
    },
    close: async () => {
      open = false;
      for (const s of pairs) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
