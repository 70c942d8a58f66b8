// The gateways' retained `config` (SPEC 2) over the real server and its embedded broker: a new revision
// sends a config only to the gateways whose limits it changed (a province's gateways are not all sent
// one to take in and write down for every enterprise's edit), with the revision it came from.
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigPayload } from '@hazwatch/protocols';
import { connectGateway, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

const SITE = fileURLToPath(new URL('./fixtures/two-tenants.yaml', import.meta.url));

describe('gateway configs at a new revision', () => {
  const tmp = tempDir();
  let server: TestServer;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    server = await startTestServer(tmp.dir, { site: SITE });
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await server?.close();
    tmp.remove();
  });

  /** A gateway subscribed to its own config, collecting every one it receives. */
  const subscribed = async (gatewayId: string, enterpriseId: string) => {
    const c = await connectGateway(server.mqttUrl, gatewayId, { enterpriseId });
    clients.push(c);
    const got: GatewayConfigPayload[] = [];
    c.on('message', (_topic, payload) => got.push(GatewayConfigPayload.parse(JSON.parse(payload.toString('utf8')))));
    await c.subscribeAsync(`hazwatch/v1/${enterpriseId}/${gatewayId}/config`, { qos: 1 });
    await waitFor(() => got.length === 1, `${gatewayId}'s retained config`);
    return got;
  };

  it('are sent to the gateways whose limits changed, and to no other', async () => {
    const gw1 = await subscribed('gw-1', 'ent-1');
    const gw9 = await subscribed('gw-9', 'ent-2');
    expect([gw1[0]!.revision, gw9[0]!.revision]).toEqual([1, 1]);
    const site = structuredClone(server.configs.latest()!.site);
    const revise = (enterprise: number, limit: number) => {
      site.enterprises[enterprise]!.workshops[0]!.staffingLimit = limit;
      return server.applySite(site, JSON.stringify(site), { source: 'test', changedBy: 'test' });
    };
    // Revisions 2 and 4 change ent-2 only; 3 and 5, ent-1 only.
    expect([await revise(1, 2), await revise(0, 3), await revise(1, 3), await revise(0, 4)]).toEqual([2, 3, 4, 5]);
    await waitFor(() => gw1.length === 3 && gw9.length === 3, 'the configs of revisions 2 to 5');
    // Each gateway's configs go out in revision order on the platform's one connection: one sent it in
    // between would be in its list.
    expect(gw1.map((c) => [c.revision, c.workshops[0]!.staffingLimit])).toEqual([[1, 2], [3, 3], [5, 4]]);
    expect(gw9.map((c) => [c.revision, c.workshops[0]!.staffingLimit])).toEqual([[1, 1], [2, 2], [4, 3]]);
  });
});
