// Real MQTT for tests: an aedes broker on a loopback TCP port, and a subscriber that records messages.
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

export type TestBroker = { port: number; url: string; aedes: Aedes; close(): Promise<void> };

export async function startBroker(port = 0): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    port: actual,
    url: `mqtt://127.0.0.1:${actual}`,
    aedes,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on right now (for an agent that must start while the broker is down). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type Received = { topic: string; text: string; retain: boolean; json: unknown };

export class Recorder {
  readonly messages: Received[] = [];
  private readonly waiters = new Set<() => void>();
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString('utf8');
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      this.messages.push({ topic, text, retain: packet.retain, json });
      for (const w of this.waiters) w();
    });
  }

  static async connect(url: string, topic = '#'): Promise<Recorder> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 200 });
    const rec = new Recorder(client);
    await client.subscribeAsync(topic, { qos: 1 });
    return rec;
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /** Resolves once `predicate` holds over the messages so far; rejects with `what` after `ms`. */
  waitFor(what: string, predicate: (messages: Received[]) => boolean, ms = 10_000): Promise<void> {
    if (predicate(this.messages)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.messages)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${this.messages.length} messages`));
      }, ms);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Polls `predicate` until true or the deadline; for state that has no event to wait on. */
export async function until(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A broker and a recorder subscribed to `topic` on it, both closed by the test's cleanups. */
export async function brokerWithRecorder(cleanups: (() => unknown)[], topic = '#'): Promise<{ broker: TestBroker; rec: Recorder }> {
  const broker = await startBroker();
  cleanups.push(() => broker.close());
  const rec = await Recorder.connect(broker.url, topic);
  cleanups.push(() => rec.close());
  return { broker, rec };
}
