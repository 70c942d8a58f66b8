import { describe, expect, it } from 'vitest';
import { parseTopic, topics } from '../src/index.ts';

describe('topics', () => {
  it('builds the SPEC 2 topics', () => {
    expect(topics.telemetry('ent-1', 'gw-1')).toBe('hazwatch/v1/ent-1/gw-1/telemetry');
    expect(topics.status('ent-1', 'gw-1')).toBe('hazwatch/v1/ent-1/gw-1/status');
    expect(topics.config('ent-1', 'gw-1')).toBe('hazwatch/v1/ent-1/gw-1/config');
    expect(topics.alarm('ent-1', 'al-1')).toBe('hazwatch/v1/ent-1/alarms/al-1');
    expect(topics.gatewayPrefix('ent-1', 'gw-1')).toBe('hazwatch/v1/ent-1/gw-1/');
    expect(topics.enterpriseAlarms('ent-1')).toBe('hazwatch/v1/ent-1/alarms/+');
  });

  it('parses what it builds', () => {
    for (const kind of ['telemetry', 'status', 'config'] as const) {
      expect(parseTopic(topics[kind]('ent_1.a', 'gw-1'))).toEqual({ kind, enterpriseId: 'ent_1.a', gatewayId: 'gw-1' });
    }
    expect(parseTopic(topics.alarm('ent-1', 'al-m3x-0a1b'))).toEqual({ kind: 'alarm', enterpriseId: 'ent-1', alarmId: 'al-m3x-0a1b' });
  });

  it.each([
    ['a wildcard subscription', 'hazwatch/v1/+/+/telemetry'],
    ['a multi-level wildcard', 'hazwatch/v1/ent-1/#'],
    ['a wildcard gateway', 'hazwatch/v1/ent-1/+/status'],
    ['a wildcard alarm', 'hazwatch/v1/ent-1/alarms/+'],
    ['another version', 'hazwatch/v2/ent-1/gw-1/telemetry'],
    ['a foreign root', 'other/v1/ent-1/gw-1/telemetry'],
    ['a leading slash', '/hazwatch/v1/ent-1/gw-1/telemetry'],
    ['an extra level', 'hazwatch/v1/ent-1/gw-1/telemetry/x'],
    ['a missing level', 'hazwatch/v1/ent-1/telemetry'],
    ['an unknown suffix', 'hazwatch/v1/ent-1/gw-1/commands'],
    ['an empty level', 'hazwatch/v1//gw-1/telemetry'],
    ['a $SYS topic', '$SYS/broker/uptime'],
  ])('rejects %s', (_what, topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it.each(['ent/1', 'ent+', '#', '', 'a b'])('refuses to build a topic from the id %j', (id) => {
    expect(() => topics.telemetry(id, 'gw-1')).toThrow(/not a valid id/);
    expect(() => topics.status('ent-1', id)).toThrow(/not a valid id/);
    expect(() => topics.alarm('ent-1', id)).toThrow(/not a valid id/);
  });

  it('refuses the gateway id that would collide with the alarms topic', () => {
    expect(() => topics.config('ent-1', 'alarms')).toThrow(/reserved/);
  });
});
