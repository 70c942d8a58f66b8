// docker-compose.yml's broker signs every client in. Docker itself does not run here; what it would run
// does: the mqtt-auth service's command lines through the image's launcher with its environment, then a
// real Mosquitto with docker/mosquitto.conf, the platform with the compose server's MQTT login, and the
// simulated gateways with the secrets file mqtt-auth keeps. Container paths are mapped into a temp dir.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig, startServer } from '@hazwatch/server';
import { HAVE_MOSQUITTO, MOSQUITTO, freePort } from '../../server/test/infra.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Service = { environment?: Record<string, string>; entrypoint?: string[]; command?: string[]; volumes?: string[] };
// Compose reads `<<` merge keys (the shared x-platform environment).
const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** Compose's `${NAME:-default}` as it reads with NAME unset. */
const interpolate = (value: string) => String(value).replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name, fallback: string) => fallback);

async function poll<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exec(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => resolve({ code, out, err }));
  });
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('docker-compose.yml: a broker every client signs in to', () => {
  it('wires mqtt-auth to the broker, the platform and the simulated gateways through shared volumes', () => {
    const { 'mqtt-auth': auth, mosquitto, server, simulator } = compose.services as Record<string, Service & { depends_on?: Record<string, { condition: string }> }>;
    const script = auth!.command![0]!;
    const conf = readFileSync(join(ROOT, 'docker/mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^allow_anonymous false$/m);
    const passwd = /^password_file (\S+)$/m.exec(conf)![1]!;
    const acl = /^acl_file (\S+)$/m.exec(conf)![1]!;
    expect(script).toContain(`--password-file ${passwd} --acl-file ${acl}`);
    /** The named volume a service mounts at the directory holding `path`. */
    const volumeAt = (s: Service, path: string) => s.volumes?.map((v) => v.split(':')).find(([, at]) => path.startsWith(`${at}/`))?.[0];
    expect(volumeAt(mosquitto!, passwd)).toBe(volumeAt(auth!, passwd));
    expect(volumeAt(mosquitto!, acl)).toBe(volumeAt(auth!, acl));
    expect(mosquitto!.depends_on!['mqtt-auth']!.condition).toBe('service_completed_successfully');
    // The platform's login, site and data (auth.sqlite) are the ones mqtt-auth wrote the files from.
    for (const k of ['HAZWATCH_SITE', 'HAZWATCH_DATA_DIR', 'HAZWATCH_MQTT_USERNAME', 'HAZWATCH_MQTT_PASSWORD']) expect(auth!.environment![k], k).toBe(server!.environment![k]);
    const dataDir = server!.environment!.HAZWATCH_DATA_DIR!;
    expect(volumeAt(auth!, `${dataDir}/auth.sqlite`)).toBe(volumeAt(server!, `${dataDir}/auth.sqlite`));
    const cmd = simulator!.command!;
    const secrets = cmd[cmd.indexOf('--credentials') + 1]!;
    expect(script).toContain(`--credentials-file ${secrets}`);
    expect(volumeAt(simulator!, secrets)).toBe(volumeAt(auth!, secrets));
  });

  it.skipIf(!HAVE_MOSQUITTO)('runs: mqtt-auth as written, Mosquitto with its conf, the platform and the simulated gateways signed in; anonymous refused', { timeout: 90_000 }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hazwatch-compose-auth-'));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    // Container paths → the temp dir (longest first: /mosquitto/auth before /mosquitto).
    const mounts: [string, string][] = [
      ['/mosquitto/auth', join(tmp, 'mosquitto-auth')],
      ['/mosquitto/data', join(tmp, 'mosquitto-data')],
      ['/secrets', join(tmp, 'secrets')],
      ['/data', join(tmp, 'data')],
    ];
    for (const [, dir] of mounts) mkdirSync(dir, { recursive: true });
    const mapPath = (s: string) => mounts.reduce((acc, [from, to]) => acc.replace(new RegExp(`(^|[\\s=])${from}(?=/|\\s|$)`, 'g'), `$1${to}`), s);
    const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, mapPath(interpolate(v))]));

    // mqtt-auth as compose runs it: its entrypoint over its script (container paths mapped), from the
    // image's working directory. Twice: the second run keeps every secret.
    const auth = compose.services['mqtt-auth']!;
    const runAuth = async () => {
      const r = await exec(auth.entrypoint![0]!, [...auth.entrypoint!.slice(1), mapPath(auth.command![0]!)], envOf(auth));
      expect(r.code, r.err).toBe(0);
      return r;
    };
    await runAuth();
    expect((await runAuth()).out).toMatch(/\(2 kept, 0 issued, 0 rotated\)/);
    const secrets = JSON.parse(readFileSync(join(tmp, 'secrets', 'gateways.json'), 'utf8')) as { gateways: Record<string, string> };
    expect(Object.keys(secrets.gateways).sort()).toEqual(['demo-ent/gw-assembly', 'demo-ent/gw-explosive']);

    // Mosquitto with the compose conf: only the listener is moved to a free loopback port.
    const port = await freePort();
    const asUser = process.getuid?.() === 0 ? 'user root\n' : ''; // as root it would drop to a user that cannot read the temp dir
    const conf = mapPath(readFileSync(join(ROOT, 'docker/mosquitto.conf'), 'utf8'))
      .split('\n')
      .map((l) => (l.startsWith('listener ') ? `listener ${port} 127.0.0.1` : l.startsWith('persistence_location ') ? `persistence_location ${join(tmp, 'mosquitto-data')}/` : l))
      .join('\n');
    writeFileSync(join(tmp, 'mosquitto.conf'), asUser + conf);
    const startBroker = () => {
      const broker = spawn(MOSQUITTO, ['-c', join(tmp, 'mosquitto.conf')], { stdio: 'ignore' });
      const stop = () => new Promise<void>((resolve) => (broker.exitCode !== null ? resolve() : (broker.once('exit', () => resolve()), broker.kill('SIGTERM'))));
      cleanups.push(stop);
      return stop;
    };
    const stopBroker = startBroker();
    const url = `mqtt://127.0.0.1:${port}`;
    const serverEnv = envOf(compose.services.server!);
    const platformLogin = { username: serverEnv.HAZWATCH_MQTT_USERNAME!, password: serverEnv.HAZWATCH_MQTT_PASSWORD! };
    const probe = await poll('mosquitto to accept the platform login', () => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500, ...platformLogin }));
    await probe.endAsync();
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);

    // The platform with the compose server's environment, on that broker, telemetry in SQLite.
    const config = resolveConfig({
      env: { ...serverEnv, HAZWATCH_SITE: join(ROOT, serverEnv.HAZWATCH_SITE!), HAZWATCH_MQTT_URL: url, HAZWATCH_STORE: 'sqlite', HAZWATCH_HTTP_HOST: '127.0.0.1', HAZWATCH_HTTP_PORT: '0', HAZWATCH_LOG_LEVEL: 'silent' },
    });
    const server = await startServer(config, { scrypt: { N: 1024, r: 8, p: 1 } });
    cleanups.push(() => server.close());

    // The simulated gateways as compose runs them, with the broker moved.
    const cmd = compose.services.simulator!.command!.map(mapPath);
    cmd[cmd.indexOf('--mqtt-url') + 1] = url;
    const sim = spawn(process.execPath, cmd.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' }, stdio: 'ignore' });
    cleanups.push(() => new Promise<void>((resolve) => (sim.exitCode !== null ? resolve() : (sim.once('exit', () => resolve()), sim.kill('SIGTERM')))));
    for (const gw of Object.keys(secrets.gateways)) {
      const [enterpriseId, gatewayId] = gw.split('/') as [string, string];
      await poll(`telemetry stored from ${gw}`, async () => ((await server.telemetry.query({ enterpriseId, gatewayId, limit: 1 })).length > 0 ? true : undefined), 45_000);
    }

    // A credential rotated in the dashboard, then the README's step: mqtt-auth again and the broker
    // restarted. The secret the admin was shown signs in; mqtt-auth did not rotate it once more.
    const shown = server.auth.gatewayCredential('demo-ent', 'gw-assembly', 'ent-admin').password;
    expect((await runAuth()).err).toContain('left as they are (their current secret is not in the file; --reissue rotates them): demo-ent/gw-assembly');
    await stopBroker();
    startBroker();
    const gw = await poll('mosquitto to accept the rotated secret', () => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500, username: 'demo-ent/gw-assembly', password: shown }));
    await gw.endAsync();
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000, username: 'demo-ent/gw-assembly', password: secrets.gateways['demo-ent/gw-assembly']! })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });
});
