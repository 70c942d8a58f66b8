// The anchor of the ingest figures: aedes 1.x alone, QoS 1, with one subscriber to every telemetry
// topic that does nothing with what it gets. Run as its own process so that it has a core to itself,
// as `hazwatch serve` has. Prints `PORT n`; on SIGUSR2 prints `RECEIVED n`.
// HAZWATCH_BENCH_AEDES_CONCURRENCY: aedes's `concurrency` (default 100), how many messages may be in
// delivery at once before the rest wait in its queue (mqemitter), which it takes from with
// Array.shift: under a load with more in flight than that, each message costs more the longer the
// queue, and the broker can settle at either of two throughputs for a whole run (BENCHMARKS.md).
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';

const concurrency = Number(process.env.HAZWATCH_BENCH_AEDES_CONCURRENCY ?? 0);
const aedes = await Aedes.createBroker(concurrency > 0 ? { concurrency } : {});
const server = createServer(aedes.handle);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
let received = 0;
const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'raw-sink', reconnectPeriod: 0 });
sub.on('message', () => void received++);
await sub.subscribeAsync('hazwatch/v1/+/+/telemetry', { qos: 1 });
process.on('SIGUSR2', () => console.log(`RECEIVED ${received}`));
const stop = () => {
  void sub.endAsync(true).finally(() => {
    server.close();
    aedes.close(() => process.exit(0));
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.log(`PORT ${port}`);
