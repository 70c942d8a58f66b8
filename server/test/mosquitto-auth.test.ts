// Issue 6 on an external broker: `hazwatch user add`, `hazwatch gateway-credentials issue|rotate`
// and `hazwatch mosquitto-auth`, then a real Mosquitto with the written password file and ACL: the
// platform and the gateways sign in, a gateway may publish only under its own prefix.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthService } from '../src/auth/service.ts';
import { AuthStore } from '../src/auth/store.ts';
import { runGatewayCredentials, runMosquittoAuth, runUser } from '../src/cli/security.ts';
import { FIXTURE_SITE, batch, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';
import { HAVE_MOSQUITTO, MOSQUITTO, freePort } from './infra.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out: () => out.join(''), err: () => err.join('') };
}

describe('hazwatch mosquitto-auth against a real Mosquitto', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it.skipIf(!HAVE_MOSQUITTO)('the CLI issues users and gateway secrets; Mosquitto enforces them with the written password file and ACL', { timeout: 30_000 }, async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dataDir = join(tmp.dir, 'data');
    const configFile = join(tmp.dir, 'hazwatch.yaml');
    writeFileSync(configFile, `HAZWATCH_SITE: ${FIXTURE_SITE}\nHAZWATCH_DATA_DIR: ${dataDir}\nHAZWATCH_MQTT_USERNAME: platform\nHAZWATCH_MQTT_PASSWORD: platform-secret-1\n`);

    // The first admin of a new installation, password on stdin.
    const u = capture();
    expect(await runUser(['add', '--role', 'admin', '--password-stdin', '--config', configFile, 'first-admin'], u.io, { stdin: Readable.from(['a-long-admin-password\n']), isTTY: false })).toBe(0);
    expect(u.out()).toContain('user first-admin (admin) created');
    const bad = capture();
    expect(await runUser(['add', '--role', 'operator', '--password-stdin', '--config', configFile, 'op'], bad.io, { stdin: Readable.from(['a-long-password\n']), isTTY: false })).toBe(1);
    expect(bad.err()).toContain('enterpriseId');

    const issue = async (action: string, gw: string) => {
      const c = capture();
      const code = await runGatewayCredentials([action, gw, '--json', '--config', configFile], c.io);
      return { code, json: code === 0 ? (JSON.parse(c.out()) as { username: string; password: string }) : undefined, err: c.err() };
    };
    const first = await issue('issue', 'ent-1/gw-1');
    expect(first.json).toMatchObject({ username: 'ent-1/gw-1' });
    expect(await issue('issue', 'ent-1/gw-1')).toMatchObject({ code: 1, err: expect.stringContaining('use rotate') });
    expect(await issue('issue', 'ent-1/gw-404')).toMatchObject({ code: 1 });
    const rotated = await issue('rotate', 'ent-1/gw-1');
    expect(rotated.json!.password).not.toBe(first.json!.password);

    const passwd = join(tmp.dir, 'passwd');
    const acl = join(tmp.dir, 'acl');
    const m = capture();
    expect(await runMosquittoAuth(['--password-file', passwd, '--acl-file', acl, '--config', configFile], m.io)).toBe(0);
    expect(m.err()).toContain('ent-1/gw-2');
    expect(readFileSync(passwd, 'utf8')).not.toContain(rotated.json!.password);
    expect(readFileSync(acl, 'utf8')).toContain('user ent-1/gw-1\ntopic write hazwatch/v1/ent-1/gw-1/telemetry');
    for (const f of [passwd, acl]) expect(statSync(f).mode & 0o777, f).toBe(0o600);

    const port = await freePort();
    const conf = join(tmp.dir, 'mosquitto.conf');
    // Started as root, Mosquitto would drop to its own user, which cannot read the test's private temp dir.
    const asUser = process.getuid?.() === 0 ? 'user root\n' : '';
    writeFileSync(conf, `${asUser}listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\nacl_file ${acl}\npersistence false\n`);
    const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    cleanups.push(() => new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : (proc.once('exit', () => resolve()), proc.kill('SIGTERM')))));
    const url = `mqtt://127.0.0.1:${port}`;
    const gwLogin = { username: 'ent-1/gw-1', password: rotated.json!.password };
    const gw = await waitFor(() => mqtt.connectAsync(url, { clientId: 'gw-1', reconnectPeriod: 0, connectTimeout: 500, ...gwLogin }), 'mosquitto to accept gw-1');
    cleanups.push(() => gw.endAsync());

    // Refused at the door: the secret before rotation, no credentials, a wrong platform password.
    for (const opts of [{ username: 'ent-1/gw-1', password: first.json!.password }, {}, { username: 'platform', password: 'nope' }]) {
      await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000, ...opts })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    }

    const server = await startTestServer(join(tmp.dir, 'server'), { env: { HAZWATCH_MQTT_URL: url, HAZWATCH_MQTT_USERNAME: 'platform', HAZWATCH_MQTT_PASSWORD: 'platform-secret-1', HAZWATCH_MQTT_CLIENT_ID: 'hz-mosq-test' } });
    cleanups.push(() => server.close());
    const ts = Date.now();
    // Under gw-2's prefix: Mosquitto's ACL drops it; then its own batch, which arrives.
    await gw.publishAsync('hazwatch/v1/ent-1/gw-2/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-b', ts, headcount: { total: 1 } }], 'gw-2')), { qos: 1 });
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(async () => (await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 10 })).length === 1, 'gw-1 batch stored');
    expect(await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-b', limit: 10 })).toEqual([]);
    expect((await getJson<{ rejectedTotal: number }>(server, '/api/v1/ingest/stats')).rejectedTotal).toBe(0);
    // Another gateway's retained config is not delivered (Mosquitto grants a 3.1.1 subscription its
    // ACL denies, and delivers nothing); its own arrives after it.
    const configs: string[] = [];
    gw.on('message', (topic) => configs.push(topic));
    await gw.subscribeAsync('hazwatch/v1/ent-1/gw-2/config', { qos: 1 });
    await gw.subscribeAsync('hazwatch/v1/ent-1/gw-1/config', { qos: 1 });
    await waitFor(() => configs.includes('hazwatch/v1/ent-1/gw-1/config'), 'its own retained config');
    expect(configs).toEqual(['hazwatch/v1/ent-1/gw-1/config']);
  });

  it('gateway-credentials ensure: issues what is missing, keeps what signs in, leaves a secret rotated elsewhere (--reissue rotates it), refuses a damaged file', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const configFile = join(tmp.dir, 'hazwatch.yaml');
    writeFileSync(configFile, `HAZWATCH_SITE: ${FIXTURE_SITE}\nHAZWATCH_DATA_DIR: ${join(tmp.dir, 'data')}\n`);
    const file = join(tmp.dir, 'secrets.json');
    const ensure = async (...more: string[]) => {
      const c = capture();
      const code = await runGatewayCredentials(['ensure', '--credentials-file', file, '--json', '--config', configFile, ...more], c.io);
      return { code, done: code === 0 ? (JSON.parse(c.out()) as Record<string, string[]>) : undefined, err: c.err() };
    };
    const secrets = () => (JSON.parse(readFileSync(file, 'utf8')) as { gateways: Record<string, string> }).gateways;

    expect(await ensure()).toMatchObject({ code: 0, done: { issued: ['ent-1/gw-1', 'ent-1/gw-2'], kept: [], rotated: [] } });
    const first = secrets();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await ensure()).toMatchObject({ code: 0, done: { kept: ['ent-1/gw-1', 'ent-1/gw-2'], issued: [], rotated: [] } });
    expect(secrets()).toEqual(first);

    // Rotated elsewhere (as the dashboard does: the file's secret no longer signs in), and a gateway
    // the site no longer has. The rotated secret, held by whoever was shown it, must keep working.
    const c = capture();
    expect(await runGatewayCredentials(['rotate', 'ent-1/gw-2', '--json', '--config', configFile], c.io)).toBe(0);
    const rotated = (JSON.parse(c.out()) as { password: string }).password;
    writeFileSync(file, JSON.stringify({ gateways: { ...first, 'ent-9/gw-old': 'x' } }));
    expect(await ensure()).toMatchObject({ code: 0, done: { kept: ['ent-1/gw-1'], unproven: ['ent-1/gw-2'], rotated: [], dropped: ['ent-9/gw-old'] } });
    expect(secrets()).toEqual(first);
    const store = new AuthStore({ dataDir: join(tmp.dir, 'data') });
    const auth = new AuthService(store, { sessionHours: 1, loginMaxFailures: 5, loginLockMinutes: 1 });
    expect(auth.verifyGateway('ent-1/gw-2', rotated)).toBeDefined();
    store.close();
    // --reissue: the file's gateways are simulated ones, so the file's secret is made the current one.
    expect(await ensure('--reissue')).toMatchObject({ code: 0, done: { kept: ['ent-1/gw-1'], rotated: ['ent-1/gw-2'], unproven: [] } });
    expect(secrets()['ent-1/gw-1']).toBe(first['ent-1/gw-1']);
    expect(secrets()['ent-1/gw-2']).not.toBe(first['ent-1/gw-2']);

    // A damaged file may hold the only copy of its secrets: refused, left as it is.
    writeFileSync(file, '{"gateways": {');
    const bad = await ensure();
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--credentials-file');
    expect(readFileSync(file, 'utf8')).toBe('{"gateways": {');
  });
});
