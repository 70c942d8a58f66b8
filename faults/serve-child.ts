// `hazwatch serve` on the fault suite's simulated timeline: the real startServer with its injectable
// clock (`now`) and demo credentials (issue 6; the suite reads them from the data dir), configured from the same HAZWATCH_* variables, printing the same banner line the
// suite waits for. Run as a child process so that the suite can SIGKILL it.
import { loadConfig } from '../server/src/config.ts';
import { startServer } from '../server/src/app.ts';
import { createLogger } from '../server/src/logger.ts';
import { TIMELINE_ENV, decodeTimeline, simNow } from './clock.ts';

const timeline = decodeTimeline(process.env[TIMELINE_ENV] ?? '');
const config = loadConfig({});
const running = await startServer(config, { logger: createLogger(config.logLevel), now: () => simNow(timeline), demo: true });
console.log(`  API         ${running.httpUrl}/api/v1/health`);
console.log(`  MQTT        ${running.mqttUrl}`);
const stop = () => void running.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
