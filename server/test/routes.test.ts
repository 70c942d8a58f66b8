import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineLive, WorkshopLive } from '@hazwatch/protocols';
import type { RunningServer } from '../src/app.ts';
import { VERSION } from '../src/version.ts';
import { getJson, startTestServer, tempDir } from './helpers.ts';

describe('HTTP API', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: RunningServer;
  beforeAll(async () => {
    tmp = tempDir();
    server = await startTestServer(tmp.dir);
  });
  afterAll(async () => {
    await server?.close();
    tmp.remove();
  });

  it('GET /api/v1/health', async () => {
    expect(await getJson(server, '/api/v1/health')).toEqual({ status: 'ok', version: VERSION, uptimeSeconds: expect.any(Number) });
  });

  it('GET /api/v1/health over real HTTP at the reported URL', async () => {
    const res = await fetch(`${server.httpUrl}/api/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /api/v1/workshops lists every configured workshop, unverified until heard from', async () => {
    const ws = await getJson<WorkshopLive[]>(server, '/api/v1/workshops');
    expect(ws.map((w) => w.workshopId).sort()).toEqual(['ws-a', 'ws-b']);
    expect(ws.find((w) => w.workshopId === 'ws-a')).toMatchObject({ name: '乳化工房', staffingLimit: 2, quantityLimitKg: 500, gatewayId: 'gw-1' });
    expect(await getJson(server, '/api/v1/workshops?enterpriseId=ent-2')).toEqual([]);
    expect((await server.app.inject('/api/v1/workshops?enterpriseId=a%20b')).statusCode).toBe(400);
  });

  it('GET /api/v1/lines', async () => {
    const lines = await getJson<LineLive[]>(server, '/api/v1/lines');
    expect(lines.map((l) => l.lineId).sort()).toEqual(['line-1', 'line-2']);
  });

  it('GET /api/v1/alarms validates its query', async () => {
    expect(await getJson(server, '/api/v1/alarms')).toEqual([]);
    expect(await getJson(server, '/api/v1/alarms?state=active&limit=5')).toEqual([]);
    const bad = await server.app.inject('/api/v1/alarms?state=open&limit=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad-request', problems: [{ path: 'state' }, { path: 'limit' }] });
  });

  it('GET /api/v1/site returns the running configuration and its revision', async () => {
    const body = await getJson<{ revision: number; site: { enterprises: { id: string; gateways: unknown[] }[]; defaults: unknown } }>(server, '/api/v1/site');
    expect(body.revision).toBe(1);
    expect(body.site.enterprises[0]).toMatchObject({ id: 'ent-1', gateways: [{ id: 'gw-1' }, { id: 'gw-2' }] });
    expect(body.site.defaults).toEqual({ raiseAfterSeconds: 1, clearAfterSeconds: 1, offlineAfterSeconds: 600 });
  });

  it('GET /api/v1/ingest/stats lists every rejection reason', async () => {
    const s = await getJson<{ rejected: Record<string, number> }>(server, '/api/v1/ingest/stats');
    expect(Object.keys(s.rejected)).toContain('unbound-workshop');
    expect(s).toMatchObject({ batchesAccepted: 0, rejectedTotal: 0, lastAcceptedAt: null });
  });

  it('answers unknown API paths with a JSON 404, and / with how to build the dashboard', async () => {
    const nf = await server.app.inject('/api/v1/nope');
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toMatchObject({ error: 'not-found' });
    const root = await server.app.inject('/');
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('npm run build');
  });
});

describe('dashboard serving', () => {
  it('serves a built dashboard with SPA fallback, API 404s stay JSON', async () => {
    const tmp = tempDir();
    const dist = join(tmp.dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>hazwatch dashboard</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    const server = await startTestServer(join(tmp.dir, 'data'), { dashboardDir: dist });
    try {
      expect((await server.app.inject('/')).body).toContain('hazwatch dashboard');
      expect((await server.app.inject('/assets/app.js')).body).toBe('console.log(1)');
      const deep = await server.app.inject('/workshops/ws-a');
      expect(deep.statusCode).toBe(200);
      expect(deep.body).toContain('hazwatch dashboard');
      const api = await server.app.inject('/api/v1/unknown');
      expect(api.statusCode).toBe(404);
      expect(api.json()).toMatchObject({ error: 'not-found' });
    } finally {
      await server.close();
      tmp.remove();
    }
  });
});
