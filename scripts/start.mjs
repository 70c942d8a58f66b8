#!/usr/bin/env node
// `npm start`: the whole demo on one machine. Builds the dashboard if its sources changed, runs
// `hazwatch serve` with the example site, waits until it answers, then runs one edge agent per gateway
// of the site, fed by the site simulator, against the platform's broker. Ctrl-C or SIGTERM stops the
// agents, then the server, and exits 0.
//
// Configuration: the server's HAZWATCH_* variables (SPEC 7) pass through; the launcher reads
// HAZWATCH_SITE, HAZWATCH_DATA_DIR, HAZWATCH_HTTP_PORT, HAZWATCH_MQTT_PORT and HAZWATCH_MQTT_URL to
// point the agents and the health check at the same places, with the same defaults.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { buildDashboard, dashboardUpToDate } from './lib/dashboard-build.mjs';
import { startChild, stopChild } from './lib/children.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The server has this long to answer /api/v1/health (the whole start must fit in a minute). */
const HEALTH_DEADLINE_MS = 50_000;

const env = { ...process.env };
env.HAZWATCH_SITE ||= 'examples/demo-site.yaml';
env.HAZWATCH_DATA_DIR ||= './data';
const httpPort = Number(env.HAZWATCH_HTTP_PORT || 8080);
const mqttPort = Number(env.HAZWATCH_MQTT_PORT || 1883);
const mqttUrl = env.HAZWATCH_MQTT_URL || `mqtt://127.0.0.1:${mqttPort}`;
const dataDir = resolve(ROOT, env.HAZWATCH_DATA_DIR);
const siteFile = resolve(ROOT, env.HAZWATCH_SITE);

async function prettyLogs() {
  try {
    const { prettyFactory } = await import('pino-pretty');
    const pretty = prettyFactory({ colorize: process.stdout.isTTY ?? false, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', singleLine: true });
    return (line) => (line.startsWith('{') ? pretty(line) : line);
  } catch {
    return (line) => line;
  }
}

function gatewaysOf(file) {
  try {
    const site = parseYaml(readFileSync(file, 'utf8'));
    return (site?.enterprises ?? []).flatMap((e) => (e.gateways ?? []).map((g) => `${e.id}/${g.id}`));
  } catch {
    // The server reports a bad site file with every problem; the banner just lists nothing.
    return [];
  }
}

async function waitForHealth(url, server, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (!server.running()) return false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const children = [];
let stopping = false;

/** Stops the children in reverse start order (agents before the server) and exits. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of [...children].reverse()) await stopChild(c);
  process.exit(code);
}

function watch(c) {
  c.exited.then(({ code, signal }) => {
    if (stopping) return;
    process.stderr.write(`\n${c.name} exited unexpectedly (${signal ?? `exit ${code}`}); stopping the rest\n`);
    void shutdown(1);
  });
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Last resort if the launcher itself fails: never leave a server holding the ports.
process.on('exit', () => {
  for (const c of children) if (c.running()) c.child.kill('SIGKILL');
});

try {
  if (dashboardUpToDate(ROOT)) console.log('dashboard: up to date (dashboard/dist)');
  else {
    console.log('dashboard: building (npm run build -w @hazwatch/dashboard)');
    await buildDashboard(ROOT);
  }
  // A stop requested meanwhile is under way and ends the process; start nothing more.
  if (stopping) await new Promise(() => {});

  const format = await prettyLogs();
  // --demo: demo users (printed below) and a credential for every gateway, kept in the data dir.
  // The `hazwatch` launcher, as the image and `npx hazwatch` run it (its start-time memory and V8 settings).
  const server = startChild('hazwatch serve', join(ROOT, 'server/bin/hazwatch'), ['serve', '--demo'], { cwd: ROOT, env, format });
  children.push(server);
  watch(server);
  const health = `http://127.0.0.1:${httpPort}/api/v1/health`;
  if (!(await waitForHealth(health, server, HEALTH_DEADLINE_MS))) {
    if (!stopping) process.stderr.write(`\nhazwatch serve did not answer ${health} within ${HEALTH_DEADLINE_MS / 1000} s\n`);
    await shutdown(1);
  }
  // A stop requested meanwhile is under way and ends the process; start nothing more.
  if (stopping) await new Promise(() => {});

  // Written by the server before it listens: the gateways' MQTT secrets and the demo logins.
  const credentialsFile = join(dataDir, 'demo-credentials.json');
  const demo = existsSync(credentialsFile) ? JSON.parse(readFileSync(credentialsFile, 'utf8')) : { users: [], gateways: {} };
  const agents = startChild(
    'simulated edge agents',
    process.execPath,
    [join(ROOT, 'edge-agent/bin/hazwatch-agent.mjs'), 'simulate', '--site', siteFile, '--mqtt-url', mqttUrl, '--data-dir', join(dataDir, 'agents'), '--credentials', credentialsFile],
    { cwd: ROOT, env, format },
  );
  children.push(agents);
  watch(agents);

  const web = `http://localhost:${httpPort}`;
  console.log(
    [
      '',
      '  hazwatch demo is running',
      `  dashboard   ${web}/`,
      `  API         ${web}/api/v1/health  ${web}/api/v1/workshops  ${web}/api/v1/alarms`,
      `  MQTT        ${mqttUrl.replace('127.0.0.1', 'localhost')}  (topics hazwatch/v1/#)`,
      `  gateways    ${gatewaysOf(siteFile).join(', ') || '(see the site file)'}, simulated, violations about every 2 min`,
      '  logins      (demo users; passwords kept in ' + credentialsFile + ')',
      ...demo.users.map((u) => `    ${u.username.padEnd(10)} ${u.password}  ${u.role}${u.enterpriseId ? ` of ${u.enterpriseId}` : ''}${u.region ? ` for region ${u.region}` : ''}`),
      `  site        ${siteFile}`,
      `  data        ${dataDir}`,
      '  stop with Ctrl+C',
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`npm start: ${err.message}\n`);
  await shutdown(1);
}
