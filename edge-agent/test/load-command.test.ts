// `hazwatch-agent load`: the load generator as a command. Against a real aedes broker: the synthetic
// site's gateways publish valid QoS 1 batches, at the asked rate or closed loop, for a bounded time,
// with the secrets of a credentials file; bad arguments are refused before anything connects. Against
// a real `hazwatch serve --demo` running the site `--write-site` wrote: every acknowledged reading is
// stored, and a second run is stored too (its seqs start past the first's).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SiteConfig, TelemetryBatch, topics } from '@hazwatch/protocols';
import { mqttUrlOf } from '../../bench/ingest.ts';
import { accessOf } from '../../bench/lib/access.ts';
import { startServe } from '../../bench/lib/procs.ts';
import { runLoad } from '../src/load-command.ts';
import { tempDir } from './helpers/agent.ts';
import { brokerWithRecorder } from './helpers/mqtt.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function load(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLoad(args, 'USAGE', (s) => void (out += s), (s) => void (err += s));
  return { code, out, err };
}

function scratch(): string {
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  return tmp.dir;
}

describe('hazwatch-agent load', () => {
  it('writes the synthetic site the platform must run', async () => {
    const file = join(scratch(), 'site.json');
    const r = await load(['--write-site', file, '--enterprises', '2', '--workshops', '20']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('4 gateways');
    const site = SiteConfig.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(site.enterprises.map((e) => e.workshops.length)).toEqual([20, 20]);
    expect(site.enterprises.flatMap((e) => e.gateways).length).toBe(4);
  });

  it('publishes valid batches for every gateway, closed loop, and reports what was acknowledged', { timeout: 20_000 }, async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups, 'hazwatch/v1/+/+/telemetry');
    const r = await load(['--mqtt-url', broker.url, '--enterprises', '2', '--workshops', '20', '--seconds', '0.5', '--first-seq', '1000', '--json']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as { gateways: number; batches: number; acked: number; failed: number; readings: number; firstSeq: number; mode: string };
    expect(result).toMatchObject({ gateways: 4, failed: 0, firstSeq: 1000, mode: 'closed loop' });
    expect(result.acked).toBe(result.batches);
    expect(result.readings).toBe(result.acked * 10);
    await rec.waitFor('every acknowledged batch', (m) => m.length >= result.acked);
    for (const [e, g] of [['ent-0', 'gw-0'], ['ent-0', 'gw-1'], ['ent-1', 'gw-0'], ['ent-1', 'gw-1']] as const) {
      const batches = rec.on(topics.telemetry(e, g)).map((m) => TelemetryBatch.parse(m.json));
      expect(batches.length, `${e}/${g}`).toBeGreaterThan(0);
      // The first batch carries --first-seq, and each next one the seq after.
      expect(batches.map((b) => b.seq).sort((a, b) => a - b)).toEqual(batches.map((_, i) => 1000 + i));
      expect(batches[0]!.readings).toHaveLength(10);
    }
  });

  it('keeps to the rate asked: R readings per second per workshop is R batches per gateway', { timeout: 20_000 }, async () => {
    const { broker } = await brokerWithRecorder(cleanups);
    const r = await load(['--mqtt-url', broker.url, '--enterprises', '1', '--workshops', '20', '--rate', '4', '--seconds', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as { acked: number; batches: number; behind: number };
    // 2 gateways × 4 batches/s for 1 s: the schedule allows 8, whatever the machine's speed.
    expect(result.batches + result.behind).toBeLessThanOrEqual(8);
    expect(result.acked).toBeGreaterThan(0);
  });

  it("signs each gateway in with its secret from the credentials file", { timeout: 20_000 }, async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups, 'hazwatch/v1/+/+/telemetry');
    const secrets: Record<string, string> = { 'ent-0/gw-0': 'secret-a', 'ent-0/gw-1': 'secret-b' };
    const seen: string[] = [];
    broker.aedes.authenticate = (client, username, password, done) => {
      // The recorder signs in without a user name.
      if (username === undefined) return done(null, true);
      seen.push(username);
      done(null, secrets[username] !== undefined && password?.toString() === secrets[username]);
    };
    const file = join(scratch(), 'credentials.json');
    writeFileSync(file, JSON.stringify({ gateways: secrets }));
    const r = await load(['--mqtt-url', broker.url, '--workshops', '20', '--seconds', '0.3', '--credentials', file]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/batches: \d+ sent, \d+ acknowledged, 0 failed/);
    expect(seen.sort()).toEqual(['ent-0/gw-0', 'ent-0/gw-1']);
    expect(rec.messages.length).toBeGreaterThan(0);

    // A wrong secret: the gateways cannot connect, and the command says so.
    writeFileSync(file, JSON.stringify({ gateways: { 'ent-0/gw-0': 'wrong', 'ent-0/gw-1': 'wrong' } }));
    const refused = await load(['--mqtt-url', broker.url, '--workshops', '20', '--seconds', '0.3', '--credentials', file]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`cannot connect the gateways to ${broker.url}`);
  });

  it('refuses arguments it cannot run with, before connecting', async () => {
    const dir = scratch();
    const cases: [string[], RegExp][] = [
      [['--seconds', '3601'], /--seconds expects a number above 0 and at most 3600, got "3601"/],
      [['--seconds', '0'], /--seconds expects a number above 0/],
      [['--workshops', '0'], /--workshops expects a whole number from 1 to 10000, got "0"/],
      [['--enterprises', '2.5'], /--enterprises expects a whole number/],
      [['--rate', 'fast'], /--rate expects a number above 0/],
      [['--credentials', join(dir, 'missing.json')], /--credentials .*missing\.json/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      // Port 9 (discard): nothing listens, so a connection attempt would fail with another message.
      const r = await load(['--mqtt-url', 'mqtt://127.0.0.1:9', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err).toContain('USAGE');
    }
  });

  it('loads a real platform running the site it wrote: every acknowledged reading is stored, a rerun too', { timeout: 60_000 }, async () => {
    const dir = scratch();
    const siteFile = join(dir, 'site.json');
    expect((await load(['--write-site', siteFile, '--enterprises', '1', '--workshops', '30'])).code).toBe(0);
    const serve = await startServe({ HAZWATCH_SITE: siteFile, HAZWATCH_DATA_DIR: join(dir, 'data'), HAZWATCH_MQTT_HOST: '127.0.0.1', HAZWATCH_MQTT_PORT: '0' }, { demo: true });
    cleanups.push(() => serve.kill());
    const url = await mqttUrlOf(serve.output);
    const access = await accessOf(join(dir, 'data'), serve.httpUrl);
    const stored = async () => {
      const text = await (await fetch(`${serve.httpUrl}/metrics`, { headers: access.headers })).text();
      return Number(/^hazwatch_ingest_readings_total (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    let acked = 0;
    for (let run = 0; run < 2; run++) {
      const r = await load(['--mqtt-url', url, '--workshops', '30', '--seconds', '0.5', '--credentials', join(dir, 'data', 'demo-credentials.json'), '--json']);
      expect(r.code, r.err).toBe(0);
      acked += (JSON.parse(r.out) as { readings: number }).readings;
      // Acknowledged means stored (PUBACK after the durable write), so the count is there already.
      expect(await stored()).toBe(acked);
    }
  });
});
