// Restart without amnesia, and configuration revisions at run time, through the real server.
import { readdirSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord, WorkshopLive } from '@hazwatch/protocols';
import type { RunningServer } from '../src/app.ts';
import { runMosquittoAuth } from '../src/cli/security.ts';
import { FIXTURE_SITE, batch, connectGateway, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';

const topic = 'hazwatch/v1/ent-1/gw-1/telemetry';
const active = (s: RunningServer) => getJson<AlarmRecord[]>(s, '/api/v1/alarms?state=active');
const all = (s: RunningServer) => getJson<AlarmRecord[]>(s, '/api/v1/alarms?state=all');

describe('restart without amnesia', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  async function run(dir: string, site?: string): Promise<RunningServer> {
    const server = await startTestServer(dir, site ? { site } : {});
    cleanups.push(() => server.close());
    return server;
  }

  it('keeps an active alarm active across a restart, raises it once, and clears it when the condition ends', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const first = await run(tmp.dir);
    const gw = await connectGateway(first.mqttUrl, 'gw-1');
    await gw.publishAsync(topic, JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 3 } }])), { qos: 1 });
    const [alarm] = await waitFor(async () => ((await active(first)).length > 0 ? active(first) : undefined), 'the over-staffing alarm');
    await gw.endAsync();
    await first.close();

    const second = await run(tmp.dir);
    // The engine came back knowing the alarm and the workshop's headcount.
    const ws = (await getJson<WorkshopLive[]>(second, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a');
    expect(ws).toMatchObject({ headcount: 3, status: 'over' });
    const gw2 = await connectGateway(second.mqttUrl, 'gw-1');
    cleanups.push(() => gw2.endAsync());
    await gw2.publishAsync(topic, JSON.stringify(batch(2, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    const cleared = await waitFor(async () => (await all(second)).find((a) => a.id === alarm!.id && a.clearedAt !== null), 'the alarm cleared by the restarted engine');
    expect(cleared.clearReason).toBe('condition-ended');
    const events = await second.alarms.events(alarm!.id);
    expect(events.map((e) => e.kind)).toEqual(['raised', 'cleared']);
    expect((await all(second)).filter((a) => a.subject.workshopId === 'ws-a')).toHaveLength(1);
  });

  it('clears, with a reason, an alarm whose workshop left the configuration while the platform was down', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const first = await run(tmp.dir);
    const gw = await connectGateway(first.mqttUrl, 'gw-2');
    await gw.publishAsync('hazwatch/v1/ent-1/gw-2/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-b', ts: Date.now(), headcount: { total: 5 } }], 'gw-2')), { qos: 1 });
    const [alarm] = await waitFor(async () => ((await active(first)).length > 0 ? active(first) : undefined), 'the ws-b alarm');
    await gw.endAsync();
    await first.close();

    // The operator removes ws-b (and its gateway) from the file, then starts the platform again.
    const text = await readFile(FIXTURE_SITE, 'utf8');
    const edited = text
      .replace(/ {6}- id: ws-b[\s\S]*?staffingLimit: 3\n/, '')
      .replace('      - { id: gw-2, workshops: [ws-b], lines: [line-2] }\n', '');
    expect(edited).not.toContain('ws-b');
    const siteFile = join(tmp.dir, 'site.yaml');
    await writeFile(siteFile, edited);
    const second = await run(tmp.dir, siteFile);
    const cleared = await waitFor(async () => (await all(second)).find((a) => a.id === alarm!.id && a.clearedAt !== null), 'the orphaned alarm cleared');
    expect(cleared).toMatchObject({ clearReason: 'subject-removed' });
    expect(await getJson(second, '/api/v1/site/revisions')).toMatchObject([{ revision: 2, source: `file:${siteFile}` }, { revision: 1 }]);
  });
});

describe('configuration revisions at run time', () => {
  it('applies a valid new revision without losing state, and refuses an invalid one whole', async () => {
    const tmp = tempDir();
    const server = await startTestServer(tmp.dir);
    try {
      const gw = await connectGateway(server.mqttUrl, 'gw-1');
      await gw.publishAsync(topic, JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 3 } }])), { qos: 1 });
      const [alarm] = await waitFor(async () => ((await active(server)).length > 0 ? active(server) : undefined), 'the alarm');
      expect(alarm).toMatchObject({ limit: 2, configRevision: 1 });

      const text = await readFile(FIXTURE_SITE, 'utf8');
      const bad = await server.app.inject({ method: 'PUT', url: '/api/v1/site', payload: text.replace('staffingLimit: 2', 'staffingLimit: -2\n        staffingLimt: 4'), headers: { 'content-type': 'application/yaml' } });
      expect(bad.statusCode).toBe(400);
      const problems = bad.json().problems.map((p: { path: string }) => p.path);
      expect(problems).toEqual(expect.arrayContaining(['enterprises[0].workshops[0].staffingLimit', 'enterprises[0].workshops[0]']));
      expect((await getJson<{ revision: number }>(server, '/api/v1/site')).revision).toBe(1);

      const ok = await server.app.inject({ method: 'PUT', url: '/api/v1/site', payload: text.replace('staffingLimit: 2', 'staffingLimit: 4'), headers: { 'content-type': 'application/yaml' } });
      expect(ok.json()).toEqual({ revision: 2 });
      const site = await getJson<{ revision: number; site: { enterprises: { workshops: { staffingLimit?: number }[] }[] } }>(server, '/api/v1/site');
      expect(site.revision).toBe(2);
      expect(site.site.enterprises[0]!.workshops[0]!.staffingLimit).toBe(4);
      // 3 persons are within the new limit of 4: the alarm clears by its condition, and the headcount was not forgotten.
      const cleared = await waitFor(async () => (await all(server)).find((a) => a.id === alarm!.id && a.clearedAt !== null), 'cleared under revision 2');
      expect(cleared.clearReason).toBe('condition-ended');
      expect((await getJson<WorkshopLive[]>(server, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a')).toMatchObject({ headcount: 3, staffingLimit: 4, status: 'normal' });
      const rev = await getJson<{ text: string; source: string }>(server, '/api/v1/site/revisions/2');
      expect(rev).toMatchObject({ source: 'api' });
      expect(rev.text).toContain('staffingLimit: 4');
      await gw.endAsync();
    } finally {
      await server.close();
      tmp.remove();
    }
  });

  it('keeps a revision made through the API across a restart with the file unchanged; a file edited since wins', async () => {
    const tmp = tempDir();
    const siteFile = join(tmp.dir, 'site.yaml');
    const text = await readFile(FIXTURE_SITE, 'utf8');
    await writeFile(siteFile, text);
    const limit = async (s: RunningServer) => (await getJson<WorkshopLive[]>(s, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a')!.staffingLimit;
    const sources = async (s: RunningServer) => (await getJson<{ revision: number; source: string }[]>(s, '/api/v1/site/revisions')).map((r) => `${r.revision}:${r.source}`);
    try {
      let server = await startTestServer(tmp.dir, { site: siteFile });
      // Lowered in the dashboard (an API revision), and a workshop with its gateway added there.
      const lowered = text
        .replace('staffingLimit: 2', 'staffingLimit: 1')
        .replace('        staffingLimit: 3\n', '        staffingLimit: 3\n      - id: ws-c\n        name: 新工房\n        hazardClass: "1.1"\n        lines: [line-2]\n        staffingLimit: 2\n')
        .replace('      - { id: gw-2, workshops: [ws-b], lines: [line-2] }\n', '      - { id: gw-2, workshops: [ws-b], lines: [line-2] }\n      - { id: gw-3, workshops: [ws-c], lines: [] }\n');
      expect((await server.app.inject({ method: 'PUT', url: '/api/v1/site', payload: lowered, headers: { 'content-type': 'application/yaml' } })).json()).toEqual({ revision: 2 });
      server.auth.gatewayCredential('ent-1', 'gw-3', 'test');
      expect(await limit(server)).toBe(1);
      await server.close();

      // Restarted with the file as it was: the lowered limit stays, no revision is added. Not only
      // in the engine: ingest takes gw-3's readings, and gw-1's retained config carries the limit.
      // (Without the engine's saved state too: the engine is built from the revision in force.)
      for (const f of readdirSync(tmp.dir)) if (f.startsWith('alarms.sqlite')) rmSync(join(tmp.dir, f));
      server = await startTestServer(tmp.dir, { site: siteFile });
      expect(await limit(server)).toBe(1);
      expect(await sources(server)).toEqual(['2:api', `1:file:${siteFile}`]);
      const gw3 = await connectGateway(server.mqttUrl, 'gw-3');
      await gw3.publishAsync('hazwatch/v1/ent-1/gw-3/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-c', ts: Date.now(), headcount: { total: 1 } }], 'gw-3')), { qos: 1 });
      await waitFor(async () => (await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-c', limit: 1 })).length === 1, 'gw-3 batch stored');
      expect((await getJson<{ rejectedTotal: number }>(server, '/api/v1/ingest/stats')).rejectedTotal).toBe(0);
      await gw3.endAsync();
      const gw1 = await connectGateway(server.mqttUrl, 'gw-1');
      const config = new Promise<{ revision: number; workshops: { id: string; staffingLimit: number | null }[] }>((resolve) => gw1.once('message', (_t, p) => resolve(JSON.parse(p.toString()))));
      await gw1.subscribeAsync('hazwatch/v1/ent-1/gw-1/config', { qos: 1 });
      expect(await config).toMatchObject({ revision: 2, workshops: [{ id: 'ws-a', staffingLimit: 1 }] });
      await gw1.endAsync();
      await server.close();

      // The CLI works from the same site: gw-3, added through the API, is in Mosquitto's files.
      const configFile = join(tmp.dir, 'cli.yaml');
      await writeFile(configFile, `HAZWATCH_SITE: ${siteFile}\nHAZWATCH_DATA_DIR: ${tmp.dir}\nHAZWATCH_MQTT_USERNAME: platform\nHAZWATCH_MQTT_PASSWORD: platform-secret-1\n`);
      const out: string[] = [];
      const io = { out: (x: string) => out.push(x), err: (x: string) => out.push(x) };
      expect(await runMosquittoAuth(['--password-file', join(tmp.dir, 'passwd'), '--acl-file', join(tmp.dir, 'acl'), '--config', configFile], io)).toBe(0);
      expect(await readFile(join(tmp.dir, 'acl'), 'utf8')).toContain('user ent-1/gw-3');

      // A comment added to the file changes nothing: the API revision stays, no revision is made.
      await writeFile(siteFile, `# reviewed\n${text}`);
      server = await startTestServer(tmp.dir, { site: siteFile });
      expect(await limit(server)).toBe(1);
      expect((await sources(server)).length).toBe(2);
      await server.close();
      await writeFile(siteFile, text);

      // The file edited since it was last loaded: it wins, as a new revision.
      await writeFile(siteFile, text.replace('staffingLimit: 2', 'staffingLimit: 4'));
      server = await startTestServer(tmp.dir, { site: siteFile });
      expect(await limit(server)).toBe(4);
      expect(await sources(server)).toEqual([`3:file:${siteFile}`, '2:api', `1:file:${siteFile}`]);
      await server.close();
    } finally {
      tmp.remove();
    }
  });
});
