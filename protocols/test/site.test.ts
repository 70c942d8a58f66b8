import { describe, expect, it } from 'vitest';
import { crossReferenceIssues, SiteConfig, SiteConfigShape, type SiteConfigInput } from '../src/index.ts';
import { demoSite, problemAt, problems, scenarios, specSite } from './helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- documents are mutated freely

/** The SPEC example site with one change applied to a copy; `e` is its enterprise. */
function site(change: (e: Json, doc: Json) => void): Json {
  const doc = structuredClone(specSite()) as Json;
  change(doc.enterprises[0], doc);
  return doc;
}
const siteProblems = (change: (e: Json, doc: Json) => void) => problems(SiteConfig, site(change));
const W0 = 'enterprises[0].workshops[0]';

describe('valid sites', () => {
  it('accepts the SPEC example and fills in defaults', () => {
    const s = SiteConfig.parse(specSite());
    const e = s.enterprises[0]!;
    expect(e.timezone).toBe('Asia/Shanghai');
    expect(e.workshops[0]?.lineStaffingLimits).toEqual({});
    expect(e.lines[0]?.newOrRebuilt).toBe(false);
    expect(crossReferenceIssues(s)).toEqual([]);
  });

  it('accepts the demo site of `npm start`', () => {
    expect(problems(SiteConfig, demoSite())).toEqual([]);
    const e = SiteConfig.parse(demoSite()).enterprises[0]!;
    expect(e.gateways.map((g) => g.id)).toEqual(['gw-explosive', 'gw-assembly']);
    expect(e.workshops.find((w) => w.id === 'ws-assembly')?.lineStaffingLimits).toEqual({ 'line-assembly-1': 3, 'line-assembly-2': 3 });
  });

  it('accepts the site of every scenario', () => {
    const all = scenarios();
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) expect(problems(SiteConfig, s.site), s.file).toEqual([]);
  });

  it('applies the defaults of a minimal document', () => {
    const input: SiteConfigInput = { enterprises: [{ id: 'e', name: '某公司', region: '370306' }] };
    const s = SiteConfig.parse(input);
    expect(s.regulation).toBe('miit-2024');
    expect(s.defaults).toEqual({ raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 });
    expect(s.enterprises[0]).toMatchObject({ timezone: 'Asia/Shanghai', lines: [], workshops: [], gateways: [] });
  });

  it('allows the same id for things of different kinds', () => {
    expect(
      siteProblems((e) => {
        e.lines[0].id = 'x';
        e.workshops[0].lines = ['x'];
        e.gateways[0].lines = ['x'];
        e.equipment[0].lineId = 'x';
        e.gateways[0].id = 'x';
      }),
    ).toEqual([]);
  });

  it('accepts a whole day as 00:00–24:00 and a window past midnight', () => {
    expect(
      siteProblems((e) => {
        e.workshops[0].operatingHours = [
          { days: ['sat'], from: '00:00', to: '24:00' },
          { days: ['mon'], from: '22:00', to: '06:00' },
        ];
      }),
    ).toEqual([]);
  });
});

describe('shape problems', () => {
  it('refuses an operating window without days', () => {
    const p = siteProblems((e) => (e.workshops[0].operatingHours[0].days = []));
    expect(problemAt(p, `${W0}.operatingHours[0].days`).message).toBe('must list at least one day (mon … sun)');
  });

  it('refuses a day that is not a day', () => {
    const p = siteProblems((e) => (e.workshops[0].operatingHours[0].days = ['mon', 'Tuesday']));
    expect(problemAt(p, `${W0}.operatingHours[0].days[1]`).message).toBe(
      'must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun", not "Tuesday"',
    );
  });

  it.each(['8:00', '25:00', '08:60', '0800', '24:01'])('refuses the time %j', (t) => {
    const p = siteProblems((e) => (e.workshops[0].operatingHours[0].to = t));
    expect(problemAt(p, `${W0}.operatingHours[0].to`).message).toBe('must be a time written HH:MM (00:00–24:00)');
  });

  it('refuses a time zone that is not IANA, or not written as IANA writes it', () => {
    expect(problemAt(siteProblems((e) => (e.timezone = 'Asia/Shangai')), 'enterprises[0].timezone').message).toBe(
      '"Asia/Shangai" is not an IANA time zone (e.g. Asia/Shanghai)',
    );
    expect(problemAt(siteProblems((e) => (e.timezone = '+08:00')), 'enterprises[0].timezone').message).toMatch(/not an IANA time zone/);
    expect(problemAt(siteProblems((e) => (e.timezone = 'asia/shanghai')), 'enterprises[0].timezone').message).toBe(
      'must be written exactly as the IANA name "Asia/Shanghai"',
    );
    expect(siteProblems((e) => (e.timezone = 'UTC'))).toEqual([]);
  });

  it('refuses hazard classes and kinds outside the allowed sets', () => {
    expect(problemAt(siteProblems((e) => (e.workshops[0].hazardClass = 1.1)), `${W0}.hazardClass`).message).toBe(
      'must be one of "1.1", "1.2", "1.3", "1.4", not 1.1 (a number: quote it, hazardClass: "1.1")',
    );
    expect(problemAt(siteProblems((e) => (e.workshops[0].hazardClass = '1.5')), `${W0}.hazardClass`).message).toMatch(/not "1.5"$/);
    expect(problemAt(siteProblems((e) => (e.workshops[0].kind = 'platform')), `${W0}.kind`).message).toBe(
      'must be one of "workshop", "transfer-platform", "storage", not "platform"',
    );
    expect(problemAt(siteProblems((e) => (e.lines[0].kind = 'emulsion')), 'enterprises[0].lines[0].kind').message).toMatch(/"detonator-assembly"/);
    expect(problemAt(siteProblems((e) => delete e.workshops[0].hazardClass), `${W0}.hazardClass`).message).toBe(
      'is required (one of "1.1", "1.2", "1.3", "1.4")',
    );
  });

  it.each([
    ['workshops[0].staffingLimit', 0, 'must be positive'],
    ['workshops[0].staffingLimit', 2.5, 'must be a whole number'],
    ['workshops[0].quantityLimitKg', -500, 'must be positive'],
    ['workshops[0].maxDwellMinutes', 0, 'must be positive'],
    ['lines[0].staffingLimit', -3, 'must be positive'],
    ['lines[0].capacity.perDay', 0, 'must be positive'],
    ['licence.products[0].perYear', 0, 'must be positive'],
  ])('refuses a limit that is not positive: %s = %j', (path, value, message) => {
    const p = siteProblems((e) => {
      const keys = path.split(/[.[\]]+/).filter(Boolean);
      let o: Json = e;
      for (const k of keys.slice(0, -1)) o = o[k];
      o[keys.at(-1)!] = value;
    });
    expect(problemAt(p, `enterprises[0].${path}`).message).toBe(message);
  });

  it('refuses a string where a number belongs, and says so', () => {
    const p = siteProblems((e) => (e.workshops[0].staffingLimit = '2'));
    expect(problemAt(p, `${W0}.staffingLimit`).message).toBe('must be a number, not a string');
  });

  it('refuses a misspelt key and suggests the right one', () => {
    const p = siteProblems((e) => {
      e.workshops[0].staffinglimit = 2;
      e.workshops[0].quantity_limit_kg = 500;
      e.workshops[0].colour = 'red';
    });
    expect(problemAt(p, W0).message).toBe(
      '"staffinglimit" is not a known key (did you mean "staffingLimit"?); "quantity_limit_kg" is not a known key (did you mean "quantityLimitKg"?); "colour" is not a known key',
    );
  });

  it('says which required key is missing', () => {
    const p = siteProblems((e) => delete e.workshops[0].name);
    expect(problemAt(p, `${W0}.name`).message).toBe('is required (a string)');
  });

  it('refuses ids that cannot go into topics, tags or file names', () => {
    const p = siteProblems((e) => (e.workshops[0].id = 'ws/emulsify'));
    expect(problemAt(p, `${W0}.id`).message).toMatch(/^must be 1–64 characters/);
  });

  it('refuses dates that do not exist', () => {
    const p = siteProblems((e) => (e.calendar.closed = ['2026-02-30', '2026-13-01']));
    expect(problemAt(p, 'enterprises[0].calendar.closed[0]').message).toBe('is not a real calendar date');
    expect(problemAt(p, 'enterprises[0].calendar.closed[1]').message).toBe('is not a real calendar date');
  });

  it('refuses a document without enterprises', () => {
    expect(problemAt(problems(SiteConfig, { enterprises: [] }), 'enterprises').message).toBe('must list at least one enterprise');
    expect(problemAt(problems(SiteConfig, {}), 'enterprises').message).toBe('is required (a list)');
    expect(problems(SiteConfig, 'enterprises: []')).toEqual([{ path: '(document)', message: 'must be an object (a mapping of keys), not a string' }]);
  });
});

describe('cross-reference problems', () => {
  it('refuses ids used twice within an enterprise, per kind', () => {
    const p = siteProblems((e) => {
      e.lines.push({ ...e.lines[0] });
      e.workshops.push({ ...e.workshops[0], lines: [] });
      e.gateways.push({ id: 'gw-1' });
      e.equipment.push({ ...e.equipment[0] });
    });
    expect(problemAt(p, 'enterprises[0].lines[1].id').message).toBe('line id "line-1" is used twice (also at index 0)');
    expect(problemAt(p, 'enterprises[0].workshops[1].id').message).toBe('workshop id "ws-emulsify" is used twice (also at index 0)');
    expect(problemAt(p, 'enterprises[0].gateways[1].id').message).toBe('gateway id "gw-1" is used twice (also at index 0)');
    expect(problemAt(p, 'enterprises[0].equipment[1].id').message).toBe('equipment id "eq-1" is used twice (also at index 0)');
  });

  it('refuses an enterprise id used twice', () => {
    const p = siteProblems((e, doc) => doc.enterprises.push(structuredClone(e)));
    expect(problemAt(p, 'enterprises[1].id').message).toBe('enterprise id "ent-1" is used twice (also at index 0)');
  });

  it('refuses a gateway binding a workshop or line that does not exist', () => {
    const p = siteProblems((e) => {
      e.gateways[0].workshops.push('ws-ghost');
      e.gateways[0].lines.push('line-ghost');
    });
    expect(problemAt(p, 'enterprises[0].gateways[0].workshops[1]').message).toBe('binds workshop "ws-ghost", which enterprise ent-1 does not have');
    expect(problemAt(p, 'enterprises[0].gateways[0].lines[1]').message).toBe('binds line "line-ghost", which enterprise ent-1 does not have');
  });

  it('refuses a workshop bound to two gateways', () => {
    const p = siteProblems((e) => e.gateways.push({ id: 'gw-2', workshops: ['ws-emulsify'] }));
    expect(problemAt(p, 'enterprises[0].gateways[1].workshops[0]').message).toBe(
      'binds workshop "ws-emulsify", already bound to gateway gw-1: a workshop reports through one gateway',
    );
  });

  it('refuses the gateway id that the alarms topic uses', () => {
    const p = siteProblems((e) => (e.gateways[0].id = 'alarms'));
    expect(problemAt(p, 'enterprises[0].gateways[0].id').message).toMatch(/^"alarms" is reserved/);
  });

  it('refuses lineStaffingLimits for a line the workshop does not serve', () => {
    const p = siteProblems((e) => (e.workshops[0].lineStaffingLimits = { 'line-1': 2, 'line-9': 3 }));
    expect(problemAt(p, `${W0}.lineStaffingLimits.line-9`).message).toBe(
      'sets a limit for line "line-9", which workshop ws-emulsify does not serve (its lines: line-1)',
    );
  });

  it('refuses a workshop naming a line that does not exist', () => {
    const p = siteProblems((e) => e.workshops[0].lines.push('line-9'));
    expect(problemAt(p, `${W0}.lines[1]`).message).toBe('names line "line-9", which enterprise ent-1 does not have');
  });

  it('refuses warning levels that are not below their limits', () => {
    expect(problemAt(siteProblems((e) => (e.workshops[0].quantityWarnKg = 500)), `${W0}.quantityWarnKg`).message).toBe(
      '(500 kg) must be below quantityLimitKg (500 kg)',
    );
    expect(problemAt(siteProblems((e) => delete e.workshops[0].quantityLimitKg), `${W0}.quantityWarnKg`).message).toMatch(/quantityLimitKg is not/);
    expect(
      problemAt(siteProblems((e) => (e.licence.products[0].warnAt = 13000000)), 'enterprises[0].licence.products[0].warnAt').message,
    ).toBe('(13000000) must be below perYear (12000000)');
  });

  it('refuses operating windows that start at 24:00 or have no length', () => {
    expect(problemAt(siteProblems((e) => (e.workshops[0].operatingHours[0].from = '24:00')), `${W0}.operatingHours[0].from`).message).toMatch(
      /24:00 is only an end/,
    );
    expect(problemAt(siteProblems((e) => (e.workshops[0].operatingHours[0].to = '08:00')), `${W0}.operatingHours[0]`).message).toMatch(
      /from and to are both 08:00/,
    );
  });

  it('refuses calendar exceptions naming missing workshops or half a time range', () => {
    const p = siteProblems((e) => {
      e.calendar.exceptions[0].workshops = ['ws-ghost'];
      delete e.calendar.exceptions[0].to;
    });
    expect(problemAt(p, 'enterprises[0].calendar.exceptions[0].workshops[0]').message).toMatch(/"ws-ghost", which enterprise ent-1 does not have/);
    expect(problemAt(p, 'enterprises[0].calendar.exceptions[0]').message).toBe('needs both from and to, or neither (the whole day)');
  });

  it('refuses equipment on a line or in a workshop that does not exist', () => {
    const p = siteProblems((e) => Object.assign(e.equipment[0], { lineId: 'line-9', workshopId: 'ws-9' }));
    expect(problemAt(p, 'enterprises[0].equipment[0].lineId').message).toMatch(/line "line-9"/);
    expect(problemAt(p, 'enterprises[0].equipment[0].workshopId').message).toMatch(/workshop "ws-9"/);
  });
});

describe('every problem at once', () => {
  it("reports one enterprise's shape problem and another's cross-reference problem together", () => {
    const p = siteProblems((e, doc) => {
      const other = structuredClone(e);
      other.id = 'ent-2';
      other.gateways[0].workshops = ['ws-ghost'];
      doc.enterprises.push(other);
      e.workshops[0].staffingLimit = -1;
    });
    expect(p).toEqual([
      { path: `${W0}.staffingLimit`, message: 'must be positive' },
      { path: 'enterprises[1].gateways[0].workshops[0]', message: 'binds workshop "ws-ghost", which enterprise ent-2 does not have' },
    ]);
  });

  it('checks the references of an enterprise beside its shape problems, without false alarms', () => {
    const p = siteProblems((e) => {
      e.workshops[0].hazardClass = 1.1; // shape: this workshop does not validate ...
      e.gateways.push({ id: 'gw-2', workshops: ['ws-emulsify'] }); // ... yet its binding is still checked
      e.equipment[0].lineId = 'line-9';
    });
    expect(p.map((x) => x.path)).toEqual([`${W0}.hazardClass`, 'enterprises[0].gateways[1].workshops[0]', 'enterprises[0].equipment[0].lineId']);
    // ws-emulsify exists (only its shape is wrong): gw-1 binding it is no problem.
    expect(p.some((x) => x.path === 'enterprises[0].gateways[0].workshops[0]')).toBe(false);
  });

  it('reports top-level problems beside enterprise problems', () => {
    const p = siteProblems((e, doc) => {
      doc.defaults.raiseAfterSecond = 5;
      doc.surprise = true;
      e.region = 370306;
    });
    expect(p.map((x) => x.path)).toEqual(['defaults', '(document)', 'enterprises[0].region']);
    expect(problemAt(p, 'defaults').message).toBe('"raiseAfterSecond" is not a known key (did you mean "raiseAfterSeconds"?)');
  });

  it('keeps the structure of SiteConfigShape', () => {
    expect(SiteConfigShape.safeParse(specSite()).success).toBe(true);
  });
});
