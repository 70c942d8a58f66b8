// The site file at start: JSON (what generators write) is read without the YAML parser's document of
// nodes, exactly as the YAML parser would read it; a key twice in one object is refused as before.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { SiteConfig } from '@hazwatch/protocols';
import { duplicateJsonKey, parseSiteText } from '../src/site/load.ts';

describe('site text', () => {
  const demo = parseSiteText(readFileSync(new URL('../../examples/demo-site.yaml', import.meta.url), 'utf8'));
  if (!demo.ok) throw new Error('the demo site does not load');
  const site: SiteConfig = demo.site;

  it('reads a JSON site as the YAML parser reads it, compact or indented', () => {
    const viaYaml = parseSiteText(toYaml(site));
    expect(viaYaml.ok).toBe(true);
    for (const text of [JSON.stringify(site), JSON.stringify(site, null, 2), `\n  ${JSON.stringify(site, null, '\t')}\n`]) {
      const r = parseSiteText(text);
      expect(r.ok).toBe(true);
      if (r.ok && viaYaml.ok) expect(r.site).toEqual(viaYaml.site);
      if (r.ok) expect(r.text).toBe(text);
    }
  });

  it('refuses a key twice in one object, in JSON as in YAML, with the position', () => {
    const ent = site.enterprises[0]!;
    const twice = JSON.stringify({ enterprises: [ent] }).replace('"name":', '"region":"370000","name":');
    expect(JSON.parse(twice)).toBeTruthy();
    const r = parseSiteText(twice);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/keys must be unique at line 1, column \d+/);
    // Spelled differently, one key all the same.
    const escaped = parseSiteText(JSON.stringify({ enterprises: [ent] }).replace('"name":', '"\\u0072egion":"370000","name":'));
    expect(escaped.ok).toBe(false);
  });

  it('finds duplicate keys per object, not across objects, arrays or string contents', () => {
    expect(duplicateJsonKey('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}')).toBeUndefined();
    expect(duplicateJsonKey('{"a":"{\\"a\\":1,","b":"\\\\","c":["a","a"],"d":{}}')).toBeUndefined();
    expect(duplicateJsonKey('{"a":1,"b":[{"x":1,"x":2}]}')).toBe('x');
    expect(duplicateJsonKey('{"a":{"b":{}},"a":0}')).toBe('a');
    expect(duplicateJsonKey('{"\\"q":1,"\\u0022q":2}')).toBe('"q');
    expect(duplicateJsonKey('{ "k" : 1 , "k" : 2 }')).toBe('k');
  });

  it('takes YAML only up to the size it is given, JSON of any size', () => {
    const yaml = toYaml(site);
    const json = JSON.stringify(site);
    const max = Math.min(Buffer.byteLength(yaml), Buffer.byteLength(json)) - 1;
    const r = parseSiteText(yaml, { maxYamlBytes: max });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toBe(`is ${Buffer.byteLength(yaml)} bytes of YAML; YAML is read up to ${max} bytes, a larger site must be sent as JSON (one object, no key twice)`);
    expect(parseSiteText(json, { maxYamlBytes: max }).ok).toBe(true);
    expect(parseSiteText(yaml, { maxYamlBytes: Buffer.byteLength(yaml) }).ok).toBe(true);
  });

  it('leaves YAML, and text that is not a JSON object, to the YAML parser', () => {
    expect(parseSiteText(toYaml(site)).ok).toBe(true);
    const bad = parseSiteText('{"enterprises": [');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]!.message).toMatch(/is not valid YAML or JSON/);
  });
});
