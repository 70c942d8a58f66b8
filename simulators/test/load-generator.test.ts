// The load generator against a real aedes broker on loopback: every acknowledged batch reached a
// subscriber, closed loop and at a fixed rate, and each gateway connects with its own credentials.
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '@hazwatch/protocols';
import { LoadGenerator, gatewaysOf, syntheticSite } from '../src/index.ts';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(password: (user: string) => string | undefined) {
  const users: string[] = [];
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, pw, done) => {
      if (client.id === 'sink') return done(null, true);
      const ok = username !== undefined && pw !== undefined && password(username) === pw.toString();
      if (ok) users.push(username!);
      done(null, ok);
    },
  });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => aedes.close(() => server.close(() => r()))));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  const received: Buffer[] = [];
  const sink = await mqtt.connectAsync(url, { clientId: 'sink', reconnectPeriod: 0 });
  cleanups.push(() => sink.endAsync(true));
  sink.on('message', (_t, p) => received.push(p));
  await sink.subscribeAsync('hazwatch/v1/+/+/telemetry', { qos: 1 });
  return { url, received, users };
}

describe('LoadGenerator', () => {
  const site = syntheticSite({ enterprises: 2, workshopsPerEnterprise: 20, workshopsPerGateway: 5 });
  const secret = (user: string) => `pw-${user}`;

  it('publishes valid QoS 1 batches as fast as acknowledged, with each gateway\'s credentials', async () => {
    const b = await broker(secret);
    const gateways = gatewaysOf(site);
    expect(gateways).toHaveLength(8);
    const gen = await LoadGenerator.connect({ url: b.url, gateways, credentials: (g) => ({ username: `${g.enterpriseId}/${g.gatewayId}`, password: secret(`${g.enterpriseId}/${g.gatewayId}`) }) });
    cleanups.push(() => gen.close());
    expect(b.users.sort()).toEqual(gateways.map((g) => `${g.enterpriseId}/${g.gatewayId}`).sort());
    const r = await gen.run({ durationMs: 300, inFlight: 4 });
    expect(r.failed).toBe(0);
    expect(r.acked).toBe(r.batches);
    expect(r.acked).toBeGreaterThan(50);
    expect(r.readings).toBe(r.acked * 5);
    // QoS 1 to a QoS 1 subscriber: every acknowledged batch arrives (aedes routes before it acknowledges the sink).
    const deadline = Date.now() + 5000;
    while (b.received.length < r.acked && Date.now() < deadline) await new Promise((x) => setTimeout(x, 10));
    expect(b.received.length).toBe(r.acked);
    for (const p of b.received.slice(0, 20)) {
      const batch = TelemetryBatch.parse(JSON.parse(p.toString('utf8')));
      for (const reading of batch.readings) expect('workshopId' in reading && reading.headcount!.total! <= 3).toBe(true);
    }
  });

  it('holds a fixed rate for a bounded time', async () => {
    const b = await broker(secret);
    const gen = await LoadGenerator.connect({ url: b.url, gateways: gatewaysOf(site), credentials: (g) => ({ username: `${g.enterpriseId}/${g.gatewayId}`, password: secret(`${g.enterpriseId}/${g.gatewayId}`) }) });
    cleanups.push(() => gen.close());
    const t0 = Date.now();
    const r = await gen.run({ durationMs: 1000, batchesPerSecond: 200 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.behind).toBe(0);
    expect(r.acked).toBeGreaterThan(170);
    expect(r.acked).toBeLessThanOrEqual(201);
  });

  it('is refused by a broker that does not know its credentials', async () => {
    const b = await broker(() => undefined);
    await expect(LoadGenerator.connect({ url: b.url, gateways: gatewaysOf(site).slice(0, 1), credentials: () => ({ username: 'x', password: 'y' }) })).rejects.toThrow(/Not authorized|Bad username|refused/i);
  });
});
