import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { addYears } from '../src/audit/dates.ts';
import { auditSite, inRegion } from '../src/audit/evaluate.ts';
import { builtinProfileIds, loadProfile } from '../src/audit/profile.ts';
import type { Finding } from '../src/audit/types.ts';
import { main } from '../src/cli/main.ts';
import { loadSiteFile } from '../src/site/load.ts';
import { tempDir } from './helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/audit/${name}`, import.meta.url));
const DEMO_SITE = fileURLToPath(new URL('../../examples/demo-site.yaml', import.meta.url));
const SPEC_SITE = fileURLToPath(new URL('../../protocols/test/fixtures/spec-site.yaml', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/hazwatch.mjs', import.meta.url));
const AT = '2026-06-01';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

async function auditJson(args: string[]): Promise<{ code: number; findings: Finding[]; stderr: string }> {
  const c = capture();
  const code = await main(['audit', ...args, '--json'], c.io);
  return { code, findings: c.out.length ? (JSON.parse(c.out.join('')) as Finding[]) : [], stderr: c.err.join('') };
}

/** `severity rule subject value limit` per finding, subject as `line x / workshop y / equipment z`. */
function brief(f: Finding): string {
  const s = f.subject;
  const where = [s.lineId && `line ${s.lineId}`, s.workshopId && `workshop ${s.workshopId}`, s.equipmentId && `equipment ${s.equipmentId}`].filter(Boolean).join(' / ');
  return `${f.severity} ${f.rule} ${where} ${f.value} ${f.limit}`;
}

// Each deliberately wrong site holds cases at a rule's boundary (no finding) and just past it.
const EXPECTED: Record<string, string[]> = {
  'explosive-line-staffing.yaml': [
    'violation explosive-line-staffing line ex-limit-past 4 3',
    'violation explosive-line-staffing line ex-sum-past 4 3',
    'violation explosive-line-staffing line ex-unbounded null 3',
  ],
  'detonator-loading-line-staffing.yaml': [
    'violation detonator-loading-line-staffing line dl-limit-past 4 3',
    'violation detonator-loading-line-staffing line dl-sum-past 4 3',
    'violation detonator-loading-line-staffing line dl-unbounded null 3',
  ],
  'detonator-assembly-line-contact.yaml': [
    'violation detonator-assembly-line-contact line da-1 / workshop ws-shared-past 4 3',
    'violation detonator-assembly-line-contact line da-1 / workshop ws-shared-nolimit 6 3',
    'violation detonator-assembly-line-contact line da-2 / workshop ws-shared-nolimit 6 3',
    'violation detonator-assembly-line-contact line da-2 / workshop ws-alone-past 4 3',
  ],
  'detonator-assembly-workshop-total.yaml': [
    'violation detonator-assembly-workshop-total workshop ws-past 7 6',
    'violation detonator-assembly-workshop-total workshop ws-unset null 6',
  ],
  'explosive-line-safety-evaluation.yaml': [
    'violation explosive-line-safety-evaluation line ex-eval-missing null 2026-05-31',
    'violation explosive-line-safety-evaluation line ex-eval-early 2026-05-30 2026-05-31',
    'violation explosive-line-safety-evaluation line ex-eval-future 2026-06-02 2020-01-01',
    'warning explosive-line-safety-evaluation line ex-no-commissioned null null',
  ],
  'equipment.yaml': [
    'violation equipment-extension-count equipment eq-ext-twice 2 1',
    'violation equipment-extension-years equipment eq-ext-long 2.5 2',
    'violation equipment-service-life workshop ws-1 / equipment eq-life-past 5 5',
    'warning equipment-extension-late equipment eq-ext-late 2025-03-01 2024-12-31',
    'notice equipment-service-life-ending line line-1 / equipment eq-life-at 1 90',
    'notice equipment-service-life-ending equipment eq-ending 90 90',
  ],
};

describe('compliance audit (miit-2024)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`finds exactly the violations of ${file}`, async () => {
      const r = await auditJson(['--site', fixture(file), '--at', AT]);
      expect(r.findings.map(brief).sort()).toEqual([...expected].sort());
      expect(r.code).toBe(expected.some((e) => e.startsWith('violation')) ? 1 : 0);
      for (const f of r.findings) {
        expect(Object.keys(f).sort()).toEqual(['limit', 'message', 'rule', 'severity', 'subject', 'value']);
        expect(f.subject.enterpriseId).toMatch(/^ent-/);
        expect(f.message.length).toBeGreaterThan(20);
      }
    });
  }

  it('covers every rule of the profile with a deliberately wrong site', () => {
    const covered = new Set(Object.values(EXPECTED).flatMap((rows) => rows.map((r) => r.split(' ')[1])));
    expect([...covered].sort()).toEqual(loadProfile('miit-2024').rules.map((r) => r.id).sort());
  });

  it('finds nothing in the compliant example sites (exit 0)', async () => {
    for (const site of [DEMO_SITE, SPEC_SITE]) {
      const r = await auditJson(['--site', site, '--at', AT]);
      expect(r.findings).toEqual([]);
      expect(r.code).toBe(0);
    }
    const text = capture();
    expect(await main(['audit', '--site', DEMO_SITE, '--at', AT], text.io)).toBe(0);
    expect(text.out.join('')).toMatch(/audited against miit-2024 \(version 1\) at 2026-06-01\nno findings\n/);
  });

  it('date rules move with --at: the demo emulsifier nears, then passes, the end of its service life', async () => {
    // Installed 2019-05-01 with an 8-year life: in use until 2027-04-30.
    expect((await auditJson(['--site', DEMO_SITE, '--at', '2027-01-30'])).findings).toEqual([]);
    const near = await auditJson(['--site', DEMO_SITE, '--at', '2027-01-31']);
    expect(near.findings.map(brief)).toEqual(['notice equipment-service-life-ending line line-emulsion / workshop ws-emulsify / equipment eq-emulsifier 90 90']);
    expect(near.code).toBe(0);
    const past = await auditJson(['--site', DEMO_SITE, '--at', '2027-05-01']);
    expect(past.findings.map(brief)).toEqual(['violation equipment-service-life line line-emulsion / workshop ws-emulsify / equipment eq-emulsifier 8 8']);
    expect(past.code).toBe(1);
  });

  it('prints findings for people, most severe first, with a count line', async () => {
    const c = capture();
    expect(await main(['audit', '--site', fixture('equipment.yaml'), '--at', AT], c.io)).toBe(1);
    const out = c.out.join('');
    expect(out.indexOf('VIOLATION')).toBeLessThan(out.indexOf('WARNING'));
    expect(out.indexOf('WARNING')).toBeLessThan(out.indexOf('NOTICE'));
    expect(out).toContain('equipment eq-ext-long (延期两年半): the extension approved 2024-12-01 is 2.5 years; at most 2 years');
    expect(out).toMatch(/3 violation\(s\), 1 warning\(s\), 2 notice\(s\)\n$/);
  });

  it('a stricter profile is data: a file that extends miit-2024 and lowers two limits', async () => {
    const r = await auditJson(['--site', DEMO_SITE, '--at', AT, '--profile', fixture('profiles/province-strict.json')]);
    expect(r.findings.map(brief).sort()).toEqual([
      'violation detonator-assembly-workshop-total workshop ws-assembly 6 5',
      'violation explosive-line-staffing line line-emulsion 3 2',
    ]);
    expect(r.code).toBe(1);
    const strict = loadProfile(fixture('profiles/province-strict.json'));
    expect(strict.rules.map((x) => x.id)).not.toContain('equipment-service-life-ending');
    expect(strict.rules).toHaveLength(loadProfile('miit-2024').rules.length - 1);
  });

  it('refuses what it cannot audit with exit 2: bad arguments, an invalid site, an unknown or broken profile', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const cases: [string[], RegExp][] = [
      [[], /usage: hazwatch audit --site FILE/],
      [['--site', DEMO_SITE, '--at', '2026-02-30'], /--at 2026-02-30: must be a real date/],
      [['--site', DEMO_SITE, '--bogus'], /Unknown option '--bogus'/],
      [['--site', join(tmp.dir, 'missing.yaml')], /cannot be read/],
      [['--site', DEMO_SITE, '--profile', 'anhui-2030'], /unknown regulation profile "anhui-2030" \(known: miit-2024/],
    ];
    const unknownRegulation = join(tmp.dir, 'unknown-regulation.yaml');
    writeFileSync(unknownRegulation, 'regulation: nowhere-1999\nenterprises: [ { id: e, name: E, region: "37" } ]\n');
    cases.push([['--site', unknownRegulation], /unknown regulation profile "nowhere-1999"/]);
    const badSite = join(tmp.dir, 'bad.yaml');
    writeFileSync(badSite, 'enterprises: [ { id: e, name: E, region: "37", lines: [ { id: l, name: L, kind: explosive, staffingLimt: 3 } ] } ]\n');
    cases.push([['--site', badSite], /staffingLimt/]);
    const badProfile = join(tmp.dir, 'bad-profile.json');
    writeFileSync(badProfile, JSON.stringify({ id: 'bad', version: 1, title: 'x', extends: 'miit-2024', rules: [{ id: 'explosive-line-staffing', max: 'three' }] }));
    cases.push([['--site', DEMO_SITE, '--profile', badProfile], /regulation profile .*bad-profile.json is invalid:[\s\S]*max/]);
    for (const [args, message] of cases) {
      const c = capture();
      expect(await main(['audit', ...args], c.io), args.join(' ')).toBe(2);
      expect(c.err.join('')).toMatch(message);
    }
  });

  it('the real bin exits 1 on a violation and 0 on a compliant site, printing JSON', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'audit', ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        child.on('exit', (code) => resolve({ code, stdout }));
      });
    const [bad, good] = await Promise.all([
      run(['--site', fixture('detonator-assembly-workshop-total.yaml'), '--json']),
      run(['--site', DEMO_SITE, '--json', '--at', AT]),
    ]);
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as Finding[]).map((f) => f.rule)).toEqual(['detonator-assembly-workshop-total', 'detonator-assembly-workshop-total']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual([]);
  });

  it('without --at, dates are each enterprise\'s local today', async () => {
    const loaded = await loadSiteFile(fixture('equipment.yaml'));
    if (!loaded.ok) throw new Error('fixture invalid');
    const profile = loadProfile('miit-2024');
    // 2026-05-31T16:30Z is 2026-06-01 00:30 in Shanghai: eq-life-past's life has ended there.
    const shanghai = auditSite(loaded.site, profile, { instant: Date.parse('2026-05-31T16:30:00Z') });
    expect(shanghai.findings.some((f) => f.rule === 'equipment-service-life' && f.subject.equipmentId === 'eq-life-past')).toBe(true);
    const utc = auditSite({ ...loaded.site, enterprises: loaded.site.enterprises.map((e) => ({ ...e, timezone: 'UTC' })) }, profile, { instant: Date.parse('2026-05-31T16:30:00Z') });
    expect(utc.findings.some((f) => f.rule === 'equipment-service-life')).toBe(false);
  });

  it('counts years in months and regions by division-code prefix', () => {
    expect(addYears('2020-02-29', 1)).toBe('2021-02-28');
    expect(addYears('2019-05-01', 8)).toBe('2027-05-01');
    expect(addYears('2020-01-31', 2.5)).toBe('2022-07-31');
    expect(inRegion('370306', '370306')).toBe(true);
    expect(inRegion('370306', '370300')).toBe(true);
    expect(inRegion('370306', '370000')).toBe(true);
    expect(inRegion('370306', '3703')).toBe(true);
    expect(inRegion('370306', '370400')).toBe(false);
    expect(inRegion('370306', '110000')).toBe(false);
    expect(builtinProfileIds()).toContain('miit-2024');
  });
});
