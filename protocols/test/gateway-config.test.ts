import { describe, expect, it } from 'vitest';
import { GatewayConfigPayload, gatewayConfigFor, SiteConfig } from '../src/index.ts';
import { demoSite, problems, specSite } from './helpers.ts';

const ISSUED = Date.UTC(2026, 10, 29, 2);

describe('gatewayConfigFor', () => {
  const site = SiteConfig.parse(demoSite());

  it('builds a payload that survives the wire unchanged', () => {
    for (const g of site.enterprises[0]!.gateways) {
      const payload = gatewayConfigFor(site, 'demo-ent', g.id, 7, ISSUED);
      const received = GatewayConfigPayload.parse(JSON.parse(JSON.stringify(payload)));
      expect(received).toEqual(payload);
    }
  });

  it("carries the gateway's workshops with their limits and resolved timing", () => {
    const p = gatewayConfigFor(site, 'demo-ent', 'gw-assembly', 7, ISSUED);
    expect(p).toMatchObject({ v: 1, enterpriseId: 'demo-ent', gatewayId: 'gw-assembly', revision: 7, timezone: 'Asia/Shanghai', issuedAt: ISSUED });
    expect(p.workshops.map((w) => w.id)).toEqual(['ws-assembly']);
    expect(p.workshops[0]).toMatchObject({
      hazardClass: '1.1',
      staffingLimit: 6,
      lineStaffingLimits: { 'line-assembly-1': 3, 'line-assembly-2': 3 },
      quantityLimitKg: 20,
      quantityWarnKg: 18,
      maxDwellMinutes: 240,
      raiseAfterSeconds: 5,
      clearAfterSeconds: 5,
      offlineAfterSeconds: 60,
    });
    expect(p.workshops[0]?.operatingHours).toHaveLength(2);
    expect(p.lines.map((l) => l.id)).toEqual(['line-assembly-1', 'line-assembly-2']);
  });

  it('says which workshops count toward a line staffing limit, and null where no limit is set', () => {
    const p = gatewayConfigFor(site, 'demo-ent', 'gw-explosive', 1, ISSUED);
    expect(p.lines[0]).toMatchObject({ id: 'line-emulsion', staffingLimit: 3, staffingWorkshops: ['ws-emulsify', 'ws-charging', 'tp-emulsion'] });
    const packing = p.workshops.find((w) => w.id === 'ws-packing');
    expect(packing).toMatchObject({ hazardClass: '1.2', operatingHours: null, maxDwellMinutes: null });
  });

  it("keeps only the calendar exceptions that concern the gateway's workshops", () => {
    const explosive = gatewayConfigFor(site, 'demo-ent', 'gw-explosive', 1, ISSUED);
    const assembly = gatewayConfigFor(site, 'demo-ent', 'gw-assembly', 1, ISSUED);
    expect(explosive.calendar.exceptions).toEqual([{ date: '2027-02-07', workshops: ['ws-packing'], from: '08:00', to: '12:00' }]);
    expect(assembly.calendar.exceptions).toEqual([]);
    expect(assembly.calendar.closed).toEqual(['2027-02-06', '2027-02-07']);
  });

  it('resolves timing overrides: workshop, then its single line, then defaults', () => {
    const doc = structuredClone(specSite()) as { enterprises: { lines: object[]; workshops: object[] }[] };
    Object.assign(doc.enterprises[0]!.lines[0]!, { raiseAfterSeconds: 30, clearAfterSeconds: 20 });
    Object.assign(doc.enterprises[0]!.workshops[0]!, { raiseAfterSeconds: 10 });
    const p = gatewayConfigFor(SiteConfig.parse(doc), 'ent-1', 'gw-1', 1, ISSUED);
    expect(p.workshops[0]).toMatchObject({ raiseAfterSeconds: 10, clearAfterSeconds: 20, offlineAfterSeconds: 60 });
    expect(p.lines[0]).toMatchObject({ raiseAfterSeconds: 30, clearAfterSeconds: 20 });
  });

  it('refuses an enterprise or gateway the site does not have', () => {
    expect(() => gatewayConfigFor(site, 'nope', 'gw-assembly', 1, ISSUED)).toThrow('the site has no enterprise nope');
    expect(() => gatewayConfigFor(site, 'demo-ent', 'gw-9', 1, ISSUED)).toThrow('enterprise demo-ent has no gateway gw-9');
  });
});

describe('GatewayConfigPayload on a gateway', () => {
  const payload = () => gatewayConfigFor(SiteConfig.parse(demoSite()), 'demo-ent', 'gw-assembly', 3, ISSUED);

  it('ignores keys added by a newer platform', () => {
    const newer = { ...payload(), escalation: { tiers: 3 }, workshops: payload().workshops.map((w) => ({ ...w, interlocks: ['door-1'] })) };
    expect(GatewayConfigPayload.parse(newer)).toEqual(payload());
  });

  it('takes absent limits as no limit', () => {
    const { workshops, ...rest } = payload();
    const w = { id: 'ws-x', name: 'x', hazardClass: '1.1', kind: 'workshop', lines: [], raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 };
    const parsed = GatewayConfigPayload.parse({ ...rest, workshops: [...workshops, w] });
    expect(parsed.workshops[1]).toMatchObject({ staffingLimit: null, quantityLimitKg: null, operatingHours: null, lineStaffingLimits: {} });
  });

  it('refuses a payload it cannot act on', () => {
    const p = problems(GatewayConfigPayload, { ...payload(), v: 2, timezone: 'Mars/Olympus', revision: -1 });
    expect(p.map((x) => x.path).sort()).toEqual(['revision', 'timezone', 'v']);
  });
});
