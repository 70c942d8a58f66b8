import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { gatewayConfigFor, SiteConfig, type AlarmRecord } from '../src/index.ts';
import { JSON_SCHEMA_FILES, jsonSchemaDocuments, jsonSchemaText } from '../src/json-schema.ts';
import { demoSite, repoRoot, scenarios, specSite, specStatus, specTelemetry } from './helpers.ts';

const FIX = 'npm run gen:json-schema -w @hazwatch/protocols';
const generated = jsonSchemaDocuments();

describe('committed JSON Schema files', () => {
  it.each(JSON_SCHEMA_FILES)('%s matches the zod schemas', (file) => {
    let committed: string;
    try {
      committed = readFileSync(`${repoRoot}protocols/json-schema/${file}`, 'utf8');
    } catch {
      throw new Error(`protocols/json-schema/${file} is missing; run \`${FIX}\` and commit it`);
    }
    const fresh = jsonSchemaText(generated[file]!);
    if (committed !== fresh) throw new Error(`protocols/json-schema/${file} is out of date with the zod schemas; run \`${FIX}\` and commit it`);
  });
});

describe('the JSON Schemas validate what the platform accepts', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  const validator = (file: string) => ajv.compile(generated[file]!);
  const telemetry = validator('telemetry-batch.schema.json');
  const status = validator('gateway-status.schema.json');
  const config = validator('gateway-config.schema.json');
  const site = validator('site-config.schema.json');
  const alarm = validator('alarm-record.schema.json');
  const errors = (v: { errors?: unknown }) => JSON.stringify(v.errors, null, 1);

  it('accepts the SPEC examples', () => {
    expect(telemetry(specTelemetry()), errors(telemetry)).toBe(true);
    expect(status(specStatus()), errors(status)).toBe(true);
    expect(site(specSite()), errors(site)).toBe(true);
  });

  it('accepts the demo site and the scenarios', () => {
    expect(site(demoSite()), errors(site)).toBe(true);
    for (const s of scenarios()) {
      expect(site(s.site), `${s.file}: ${errors(site)}`).toBe(true);
      for (const input of s.inputs) {
        if (input.telemetry !== undefined) expect(telemetry(input.telemetry), `${s.file}: ${errors(telemetry)}`).toBe(true);
        if (input.status !== undefined) expect(status(input.status), `${s.file}: ${errors(status)}`).toBe(true);
      }
    }
  });

  it('accepts the config payload the platform publishes', () => {
    const s = SiteConfig.parse(demoSite());
    for (const g of s.enterprises[0]!.gateways) {
      const payload = JSON.parse(JSON.stringify(gatewayConfigFor(s, 'demo-ent', g.id, 1, Date.UTC(2026, 10, 29))));
      expect(config(payload), errors(config)).toBe(true);
    }
  });

  it('accepts an alarm record', () => {
    const record: AlarmRecord = {
      id: 'al-1',
      type: 'over-staffing',
      reason: null,
      level: 'alarm',
      enterpriseId: 'ent-1',
      subject: { workshopId: 'ws-emulsify' },
      value: 3,
      peak: 4,
      limit: 2,
      since: '2026-03-02T01:00:00.000Z',
      raisedAt: '2026-03-02T01:00:05.000Z',
      escalatedAt: null,
      clearedAt: null,
      detectedAt: '2026-03-02T01:00:05.000Z',
      late: false,
      configRevision: 1,
    };
    expect(alarm(record), errors(alarm)).toBe(true);
    expect(alarm({ ...record, type: 'over-happiness' })).toBe(false);
  });

  it('rejects what the wire contract rejects', () => {
    const b = specTelemetry() as { readings: Record<string, unknown>[] } & Record<string, unknown>;
    expect(telemetry({ ...b, extra: 1 })).toBe(false);
    expect(telemetry({ ...b, sentAt: 1772323205 })).toBe(false);
    expect(telemetry({ ...b, sentAt: '2026-03-02T09:00:00' })).toBe(false);
    expect(telemetry({ ...b, gatewayId: 'gw/1' })).toBe(false);
    expect(telemetry({ ...b, readings: [{ ts: 1772323205000 }] })).toBe(false);
    expect(telemetry({ ...b, readings: [{ ...b.readings[0], headcount: { total: -1 } }] })).toBe(false);
    expect(site({ ...specSite(), enterprises: [] })).toBe(false);
  });
});
