import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch, isWorkshopReading, topics } from '@hazwatch/protocols';
import { startSimulatedSite } from '../src/index.ts';
import { silent, tempDir } from './helpers/agent.ts';
import { brokerWithRecorder } from './helpers/mqtt.ts';

const SITE = `
enterprises:
  - id: ent-1
    name: 测试民爆
    region: "370306"
    lines:
      - { id: line-1, name: 乳化炸药生产线, kind: explosive, product: emulsion }
      - { id: line-a, name: 装配线, kind: detonator-assembly }
    workshops:
      - { id: ws-1, name: 乳化工房, hazardClass: "1.1", lines: [line-1], staffingLimit: 2, quantityLimitKg: 500 }
      - { id: ws-2, name: 装配工房, hazardClass: "1.1", lines: [line-a], staffingLimit: 6 }
    gateways:
      - { id: gw-explosive, workshops: [ws-1], lines: [line-1] }
      - { id: gw-assembly, workshops: [ws-2], lines: [line-a] }
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('simulated site', () => {
  it('runs one agent per gateway, each publishing only what its gateway is bound to', async () => {
    const { broker, rec } = await brokerWithRecorder(cleanups);
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const siteFile = join(tmp.dir, 'site.yaml');
    writeFileSync(siteFile, SITE);
    const site = await startSimulatedSite({ siteFile, mqttUrl: broker.url, dataDir: join(tmp.dir, 'agents'), seed: 1, heartbeatSeconds: 1, violationEverySeconds: 0, logger: silent });
    cleanups.push(() => site.stop());
    expect(site.agents.map((a) => a.gatewayId)).toEqual(['gw-explosive', 'gw-assembly']);

    const explosive = topics.telemetry('ent-1', 'gw-explosive');
    const assembly = topics.telemetry('ent-1', 'gw-assembly');
    await rec.waitFor('telemetry from both gateways', () => rec.on(explosive).length > 0 && rec.on(assembly).length > 0);
    const subjects = (topic: string) =>
      new Set(rec.on(topic).flatMap((m) => TelemetryBatch.parse(m.json).readings.map((r) => (isWorkshopReading(r) ? r.workshopId : r.lineId))));
    expect(subjects(explosive)).toEqual(new Set(['ws-1', 'line-1']));
    expect(subjects(assembly)).toEqual(new Set(['ws-2', 'line-a']));
    expect(rec.on(topics.status('ent-1', 'gw-explosive'))[0]!.json).toMatchObject({ state: 'online' });
  });
});
