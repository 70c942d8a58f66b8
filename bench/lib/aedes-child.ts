// The anchor of the ingest figures: aedes 1.x alone, QoS 1, with one subscriber to every telemetry
// topic that does nothing with what it gets. Run as its own process so that it has a core to itself,
// as `hazwatch serve` has. Prints `PORT n`; on SIGUSR2 prints `RECEIVED n`.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';

const aedes = await Aedes.createBroker();
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
