import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app.ts';
import type { AuditView } from '../src/audit/view.ts';
import { getJson, startTestServer, tempDir } from './helpers.ts';

const DEMO_SITE = readFileSync(fileURLToPath(new URL('../../examples/demo-site.yaml', import.meta.url)), 'utf8');

// Two enterprises in two regions: one breaks the assembly-workshop rule (7 > 6), one complies.
const TWO_REGIONS = `
regulation: miit-2024
enterprises:
  - id: ent-zibo
    name: 淄博样例
    region: "370306"
    lines: [ { id: da, name: 装配线, kind: detonator-assembly } ]
    workshops: [ { id: ws-asm, name: 装配工房, hazardClass: "1.1", lines: [da], staffingLimit: 7 } ]
  - id: ent-beijing
    name: 北京样例
    region: "110105"
    lines: [ { id: da, name: 装配线, kind: detonator-assembly } ]
    workshops: [ { id: ws-asm, name: 装配工房, hazardClass: "1.1", lines: [da], staffingLimit: 6 } ]
`;

async function put(server: RunningServer, body: string) {
  return server.app.inject({ method: 'PUT', url: '/api/v1/site', payload: body, headers: { 'content-type': 'application/yaml' } });
}

describe('compliance audit over HTTP, on every revision', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function start(siteText: string, dir?: string) {
    const tmp = dir ? { dir, remove: () => undefined } : tempDir();
    if (!dir) cleanups.push(tmp.remove);
    const siteFile = join(tmp.dir, 'site.yaml');
    writeFileSync(siteFile, siteText);
    const server = await startTestServer(join(tmp.dir, 'data'), { site: siteFile });
    cleanups.push(() => server.close());
    return { server, dir: tmp.dir };
  }

  it('audits the startup revision and every applied one, and keeps each revision\'s findings', async () => {
    const { server, dir } = await start(TWO_REGIONS);
    const first = await getJson<AuditView>(server, '/api/v1/site/revisions/1/audit');
    expect(first.revision).toBe(1);
    expect(first.profile?.id).toBe('miit-2024');
    expect(first.counts).toEqual({ violation: 1, warning: 0, notice: 0 });
    expect(first.findings).toEqual([
      expect.objectContaining({ rule: 'detonator-assembly-workshop-total', severity: 'violation', subject: { enterpriseId: 'ent-zibo', workshopId: 'ws-asm' }, value: 7, limit: 6 }),
    ]);

    // The enterprise fixes its limit: revision 2 is clean, revision 1 keeps its finding.
    expect((await put(server, TWO_REGIONS.replace('staffingLimit: 7', 'staffingLimit: 6'))).json()).toEqual({ revision: 2 });
    expect((await getJson<AuditView>(server, '/api/v1/site/revisions/2/audit')).findings).toEqual([]);
    expect((await getJson<AuditView>(server, '/api/v1/site/revisions/1/audit')).counts.violation).toBe(1);
    expect((await getJson<AuditView>(server, '/api/v1/audit')).findings).toEqual([]);

    // A site naming an unknown profile is still applied (the audit informs, it does not gate), and says why it was not audited.
    expect((await put(server, TWO_REGIONS.replace('miit-2024', 'atlantis-2031'))).statusCode).toBe(200);
    const unknown = await getJson<AuditView>(server, '/api/v1/site/revisions/3/audit');
    expect(unknown).toMatchObject({ revision: 3, regulation: 'atlantis-2031', profile: null, findings: [] });
    expect(unknown.error).toMatch(/unknown regulation profile "atlantis-2031"/);

    // Stored in config.sqlite: after a restart the revisions keep the audits made when they were accepted.
    const auditedAt = first.auditedAt;
    await server.close();
    const again = await start(TWO_REGIONS, dir);
    const restored = await getJson<AuditView>(again.server, '/api/v1/site/revisions/1/audit');
    expect(restored).toEqual(first);
    expect(restored.auditedAt).toBe(auditedAt);
    // The file is unchanged since revision 1 was loaded from it: revision 3, made since, stays in force.
    expect((await getJson<{ revision: number }>(again.server, '/api/v1/site')).revision).toBe(3);
    expect((await again.server.app.inject('/api/v1/site/revisions/4/audit')).statusCode).toBe(404);
    // Edited since, the file wins at the next start: revision 4, audited then.
    await again.server.close();
    const edited = await start(TWO_REGIONS.replace('北京样例', '北京样例（更名）'), dir);
    expect((await getJson<AuditView>(edited.server, '/api/v1/site/revisions/4/audit')).counts.violation).toBe(1);
    expect((await edited.server.app.inject('/api/v1/site/revisions/99/audit')).statusCode).toBe(404);
  });

  it('filters findings for an enterprise view and a regulator\'s region', async () => {
    const { server } = await start(TWO_REGIONS);
    const ids = async (query: string) => (await getJson<AuditView>(server, `/api/v1/audit${query}`)).findings.map((f) => f.subject.enterpriseId);
    expect(await ids('')).toEqual(['ent-zibo']);
    expect(await ids('?enterpriseId=ent-zibo')).toEqual(['ent-zibo']);
    expect(await ids('?enterpriseId=ent-beijing')).toEqual([]);
    expect(await ids('?region=370300')).toEqual(['ent-zibo']);
    expect(await ids('?region=370000')).toEqual(['ent-zibo']);
    expect(await ids('?region=110000')).toEqual([]);
    expect((await getJson<AuditView>(server, '/api/v1/site/revisions/1/audit?region=110105')).counts.violation).toBe(0);
    for (const bad of ['?region=shandong', '?enterpriseId=a%20b', '?at=2026-13-01', '?frob=1']) {
      expect((await server.app.inject(`/api/v1/audit${bad}`)).statusCode, bad).toBe(400);
    }
  });

  it('checks a configuration before it is applied, at a chosen date', async () => {
    const { server } = await start(TWO_REGIONS);
    const check = (body: string, query = '') => server.app.inject({ method: 'POST', url: `/api/v1/audit${query}`, payload: body, headers: { 'content-type': 'text/plain' } });
    const ok = (await check(DEMO_SITE, '?at=2026-06-01')).json() as AuditView;
    expect(ok).toMatchObject({ revision: null, at: '2026-06-01', findings: [], error: null });
    const expired = (await check(DEMO_SITE, '?at=2027-05-01')).json() as AuditView;
    expect(expired.findings.map((f) => `${f.rule} ${f.subject.equipmentId}`)).toEqual(['equipment-service-life eq-emulsifier']);
    const invalid = await check('enterprises: [ { id: e, name: E, region: "37", linez: [] } ]');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: 'invalid-site', problems: [expect.objectContaining({ message: expect.stringContaining('linez') })] });
    // Nothing was applied.
    expect((await getJson<unknown[]>(server, '/api/v1/site/revisions')).length).toBe(1);
  });

  it('lists the profiles it knows, as data', async () => {
    const { server } = await start(TWO_REGIONS);
    const profiles = await getJson<{ id: string; version: number; rules: { id: string; check: string }[] }[]>(server, '/api/v1/audit/profiles');
    const miit = profiles.find((p) => p.id === 'miit-2024');
    expect(miit?.version).toBe(1);
    expect(miit?.rules.map((r) => r.id)).toContain('detonator-assembly-workshop-total');
    expect(miit?.rules.find((r) => r.id === 'detonator-assembly-workshop-total')).toMatchObject({ check: 'workshop-staffing-total', max: 6 });
  });
});
