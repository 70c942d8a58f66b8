// Local alarms: limits from the platform's retained `config` topic, cached on disk, evaluated at the
// gateway, driving a Modbus coil (the simulator's Modbus TCP server stands in for the PLC wired to the
// siren) and a command — while the broker is down, and after a restart without it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayConfigFor, SiteConfig, type GatewayConfigPayload } from '@hazwatch/protocols';
import { ModbusTcpServer } from '@hazwatch/simulators';
import { parse as parseYaml } from 'yaml';
import { DoorInputConfig } from '../src/config.ts';
import { LocalAlarms, doorInput, type LocalAlarm } from '../src/index.ts';
import { agentWith, getJson, postJson, silent, tempDir } from './helpers/agent.ts';
import { ManualClock } from './helpers/manual-clock.ts';
import { until } from './helpers/mqtt.ts';
import { SITE, startPlatform } from './helpers/platform.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function siteConfig(): GatewayConfigPayload {
  const site = SiteConfig.parse(parseYaml(readFileSync(SITE, 'utf8')));
  return gatewayConfigFor(site, 'ent-1', 'gw-1', 1, 0);
}

describe('local alarm rules', () => {
  const T0 = Date.parse('2026-03-02T09:00:00+08:00');
  function setup() {
    const clock = new ManualClock(T0);
    const changes: LocalAlarm[][] = [];
    const alarms = new LocalAlarms({ clock, logger: silent, onChange: (a) => changes.push(a) });
    return { clock, alarms, changes };
  }
  const ws = (headcount: number | null, materialKg?: number | null) => ({
    workshopId: 'ws-1',
    ts: T0,
    headcount: { total: headcount },
    ...(materialKg !== undefined ? { materialKg } : {}),
  });

  it('raises over-staffing after raiseAfterSeconds and clears after clearAfterSeconds, on the gateway clock', () => {
    const { clock, alarms, changes } = setup();
    alarms.update(ws(3));
    // No limits known yet: nothing to judge.
    clock.advance(5000);
    expect(alarms.active).toEqual([]);
    alarms.setConfig(siteConfig());
    clock.advance(999);
    expect(alarms.active).toEqual([]);
    clock.advance(1);
    // The workshop (3 > 2); the line's 1.1 workshops are all this gateway's, but 3 is not over its 3.
    expect(alarms.active).toEqual([{ type: 'over-staffing', level: 'alarm', subject: { workshopId: 'ws-1' }, value: 3, limit: 2, raisedAt: T0 + 6000 }]);
    // Unknown keeps the last known value: still 3 inside as far as anyone can tell.
    alarms.update(ws(null));
    clock.advance(5000);
    expect(alarms.active).toHaveLength(1);
    alarms.update(ws(4));
    clock.advance(1000);
    expect(alarms.active.map((a) => a.subject)).toEqual([{ workshopId: 'ws-1' }, { lineId: 'line-1' }]);
    alarms.update(ws(2));
    clock.advance(999);
    expect(alarms.active).toHaveLength(2);
    clock.advance(1);
    expect(alarms.active).toEqual([]);
    expect(changes.map((c) => c.length)).toEqual([1, 2, 0]);
  });

  it('gives over-quantity a warning and an alarm level, each debounced on its own', () => {
    const { clock, alarms } = setup();
    alarms.setConfig(siteConfig());
    alarms.update(ws(1, 460));
    clock.advance(1000);
    expect(alarms.active).toEqual([expect.objectContaining({ type: 'over-quantity', level: 'warning', value: 460, limit: 450 })]);
    alarms.update(ws(1, 520));
    clock.advance(1000);
    expect(alarms.active.map((a) => a.level).sort()).toEqual(['alarm', 'warning']);
    // A brief dip does not clear it: false for less than clearAfterSeconds.
    alarms.update(ws(1, 100));
    clock.advance(500);
    alarms.update(ws(1, 520));
    clock.advance(5000);
    expect(alarms.active).toHaveLength(2);
  });
});

describe('local alarm outputs', () => {
  it('switches the siren coil on over-staffing while the broker is down, and again after a restart from the cached limits', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const plc = await ModbusTcpServer.start({ unitId: 1 });
    cleanups.push(() => plc.close());
    const platform = await startPlatform(join(tmp.dir, 'platform'));
    let platformUp = true;
    cleanups.push(() => (platformUp ? platform.close() : undefined));
    const marker = join(tmp.dir, 'beacon');
    const doors = DoorInputConfig.parse({ kind: 'door', workshops: [{ workshopId: 'ws-1', doors: ['door-1'] }] });
    const start = async () => {
      const a = agentWith(platform.mqttUrl, join(tmp.dir, 'agent'), (deps) => [doorInput(doors, { ...deps, http: deps.http! })], {
        http: { port: 0 },
        localAlarms: {
          reassertSeconds: 0.5,
          outputs: [
            { kind: 'modbus-coil', name: 'siren', host: '127.0.0.1', port: plc.port, unitId: 1, address: 16, when: { types: ['over-staffing'] } },
            {
              kind: 'command',
              name: 'beacon',
              on: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'on')`],
              off: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'off')`],
            },
          ],
        },
      });
      await a.agent.start();
      return a;
    };
    const a = await start();
    const events = `${a.http!.url}/v1/door-events`;
    const health = () => getJson(`${a.http!.url}/health`);

    // The platform's retained config arrives and is cached on disk.
    await until('config received', () => a.localAlarms.revision !== null);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'agent', 'gateway-config.json'), 'utf8'))).toMatchObject({ gatewayId: 'gw-1', workshops: [{ id: 'ws-1', staffingLimit: 2 }] });

    // The platform and its broker go away.
    await platform.close();
    platformUp = false;
    await until('disconnected', () => !a.publisher.connected);

    await postJson(events, [
      { door: 'door-1', direction: 'enter', badge: 'E1' },
      { door: 'door-1', direction: 'enter', badge: 'E2' },
    ]);
    expect(plc.coils[16]).toBe(0);
    const on = new Promise<void>((resolve) => plc.on('coil', (addr, v) => addr === 16 && v && resolve()));
    await postJson(events, { door: 'door-1', direction: 'enter', badge: 'E3' });
    await on;
    expect(plc.coils[16]).toBe(1);
    await until('beacon on', () => existsSync(marker) && readFileSync(marker, 'utf8') === 'on');
    // The command wrote its marker before it exited; the agent counts it written once it has exited.
    const written = async () => ((await health()).localAlarms.outputs as { written: boolean }[]).every((o) => o.written);
    const deadline = Date.now() + 10_000;
    while (!(await written()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect((await health()).localAlarms).toMatchObject({
      configRevision: 1,
      active: [{ type: 'over-staffing', subject: { workshopId: 'ws-1' }, value: 3, limit: 2 }],
      outputs: [
        { name: 'siren', on: true, written: true, ok: true },
        { name: 'beacon', on: true, written: true, ok: true },
      ],
    });

    // A PLC that restarted forgot its coils: the next reassertion puts the siren back on.
    plc.coils[16] = 0;
    await until('coil reasserted', () => plc.coils[16] === 1);

    await postJson(events, { door: 'door-1', direction: 'exit', badge: 'E3' });
    await until('siren off once cleared', () => plc.coils[16] === 0);
    await until('beacon off', () => readFileSync(marker, 'utf8') === 'off');

    // Restarted with the broker still down: the limits come from the cache, the people from the door ledger.
    await a.agent.stop();
    const b = await start();
    cleanups.push(() => b.agent.stop());
    expect(b.localAlarms.revision).toBe(1);
    expect(b.publisher.connected).toBe(false);
    await postJson(`${b.http!.url}/v1/door-events`, { door: 'door-1', direction: 'enter', badge: 'E4' });
    await until('siren on after restart', () => plc.coils[16] === 1);
    const h = await getJson(`${b.http!.url}/health`);
    expect(h.status).toBe('degraded');
    expect(h.problems).toContain('not connected to the broker');

    // The siren's PLC stops answering: the output reports it and keeps retrying.
    await plc.close();
    await postJson(`${b.http!.url}/v1/door-events`, { door: 'door-1', direction: 'exit', badge: 'E4' });
    await until('output failure reported', () => b.outputs.health()[0]!.ok === false);
    await plc.listen();
    await until('siren off once the PLC is back', () => plc.coils[16] === 0 && b.outputs.health()[0]!.ok);
  });
});
