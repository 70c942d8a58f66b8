// The agent as its command runs it, in its own process: killed without warning, the broker publishes
// its last will; restarted, it carries on with the next seq; stopped with SIGTERM, it says goodbye.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStatus, TelemetryBatch, topics } from '@hazwatch/protocols';
import { tempDir } from './helpers/agent.ts';
import { Recorder, brokerWithRecorder } from './helpers/mqtt.ts';

const BIN = fileURLToPath(new URL('../bin/hazwatch-agent.mjs', import.meta.url));
const TELEMETRY = topics.telemetry('ent-1', 'gw-1');
const STATUS = topics.status('ent-1', 'gw-1');

const SITE = `
enterprises:
  - id: ent-1
    name: 测试民爆
    region: "370306"
    lines: [ { id: line-1, name: 乳化炸药生产线, kind: explosive, product: emulsion, capacity: { perDay: 40000, unit: kg } } ]
    workshops:
      - { id: ws-1, name: 乳化工房, hazardClass: "1.1", lines: [line-1], staffingLimit: 2, quantityLimitKg: 500 }
    gateways: [ { id: gw-1, workshops: [ws-1], lines: [line-1] } ]
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function startAgent(config: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, '--config', config, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
  return child;
}

const states = (rec: Recorder) => rec.on(STATUS).map((m) => GatewayStatus.parse(m.json).state);

describe('hazwatch-agent process', () => {
  it('leaves an offline will when killed, continues its seq when restarted, and says goodbye on SIGTERM', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    writeFileSync(join(tmp.dir, 'site.yaml'), SITE);
    const config = join(tmp.dir, 'agent.yaml');
    writeFileSync(
      config,
      `enterpriseId: ent-1\ngatewayId: gw-1\ndataDir: data\nmqtt: { url: "${broker.url}", keepaliveSeconds: 5 }\nheartbeatSeconds: 1\ninput: { kind: simulator, site: site.yaml, seed: 5 }\n`,
    );

    const first = startAgent(config);
    await rec.waitFor('online and two batches', () => states(rec).includes('online') && rec.on(TELEMETRY).length >= 2, 20_000);
    first.kill('SIGKILL');
    await exited(first);
    await rec.waitFor('the last will', () => states(rec).at(-1) === 'offline', 10_000);
    const will = GatewayStatus.parse(rec.on(STATUS).at(-1)!.json);
    expect(will).toMatchObject({ v: 1, state: 'offline' });
    const late = await Recorder.connect(broker.url, STATUS);
    cleanups.push(() => late.close());
    await late.waitFor('retained will', (ms) => ms.length > 0);
    expect(late.messages[0]).toMatchObject({ retain: true, json: { state: 'offline' } });

    const seenBefore = rec.on(TELEMETRY).length;
    const maxBefore = Math.max(...rec.on(TELEMETRY).map((m) => TelemetryBatch.parse(m.json).seq));
    const second = startAgent(config);
    await rec.waitFor('online again and new batches', () => states(rec).at(-1) === 'online' && rec.on(TELEMETRY).length >= seenBefore + 2, 20_000);

    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });
    await rec.waitFor('goodbye', () => states(rec).at(-1) === 'offline');

    // Every seq names one batch: a redelivery after the kill repeats it byte for byte, never reuses it.
    const bySeq = new Map<number, string>();
    for (const m of rec.on(TELEMETRY)) {
      const seq = TelemetryBatch.parse(m.json).seq;
      if (bySeq.has(seq)) expect(m.text).toBe(bySeq.get(seq));
      bySeq.set(seq, m.text);
    }
    expect(Math.max(...bySeq.keys())).toBeGreaterThan(maxBefore);
    expect([...bySeq.keys()].sort((a, b) => a - b)[0]).toBe(1);
  });

  it('lists every problem of a bad config file and exits 2', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const config = join(tmp.dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        'enterpriseId: ent-1',
        'gatewayId: "gw 1"',
        'dataDir: data',
        'mqtt: { url: "http://x", usrname: me }',
        'heartbeatSeconds: 0',
        'inputs:',
        '  - { kind: opcua }',
        '  - kind: modbus',
        '    host: plc-1',
        '    points: [ { workshopId: ws-1, measure: materialKg, address: 65535, type: float32, unit: lb } ]',
        '  - { kind: door, workshops: [ { workshopId: ws-1, doors: [d-1] }, { workshopId: ws-2, doors: [d-1] } ] }',
        'localAlarms: { outputs: [ { kind: modbus-coil, host: plc-1, address: 3, when: { types: [over-time] } } ] }',
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect((await exited(child)).code).toBe(2);
    for (const path of [
      'gatewayId',
      'mqtt.url',
      'mqtt',
      'heartbeatSeconds',
      'inputs[0].kind',
      'inputs[1].points[0].unit',
      'inputs[2].workshops[1].doors[0]',
      'localAlarms.outputs[0].when.types[0]',
    ]) {
      expect(stderr).toContain(`- ${path}:`);
    }
    expect(stderr).toContain(`"usrname" is not a known key (did you mean "username"?)`);

    // Checks across fields run once every field is valid on its own.
    writeFileSync(
      config,
      [
        'enterpriseId: ent-1',
        'gatewayId: gw-1',
        'dataDir: data',
        'mqtt: { url: "mqtt://127.0.0.1:1" }',
        'inputs:',
        '  - { kind: modbus, host: plc-1, points: [ { workshopId: ws-1, measure: materialKg, address: 65535, type: float32 } ] }',
        '  - { kind: door, workshops: [ { workshopId: ws-1, doors: [d-1] } ] }',
        '',
      ].join('\n'),
    );
    const again = spawn(process.execPath, [BIN, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    stderr = '';
    again.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect((await exited(again)).code).toBe(2);
    expect(stderr).toContain('- inputs[0].points[0].address: a float32 at 65535 runs past the last register');
    expect(stderr).toContain("- inputs[1].kind: a door input needs the agent's HTTP server");

    // --check validates without running.
    const example = fileURLToPath(new URL('../examples/agent.yaml', import.meta.url));
    const check = spawn(process.execPath, [BIN, '--config', example, '--check'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    check.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    expect((await exited(check)).code).toBe(0);
    expect(stdout).toMatch(/valid; gateway demo-ent\/gw-explosive/);
  });
});
