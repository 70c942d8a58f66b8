import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, ConfigSchema, loadConfig, resolveConfig } from '../src/config.ts';
import { tempDir } from './helpers.ts';

describe('config', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  it('applies SPEC 7 defaults and resolves paths against the cwd', () => {
    const c = resolveConfig({ env: {}, cwd: '/srv/hz' });
    expect(c).toEqual({
      site: '/srv/hz/examples/demo-site.yaml',
      dataDir: '/srv/hz/data',
      http: { host: '0.0.0.0', port: 8080 },
      mqtt: { host: '0.0.0.0', port: 1883, clientId: 'hazwatch-platform' },
      store: { kind: 'sqlite' },
      logLevel: 'info',
      telemetry: {
        retentionDays: 400,
        dedupeDays: 30,
        deadLettersMax: 10_000,
        spoolMaxBatches: 1_000_000,
        spoolAlarmPercent: 80,
        retryMinMs: 1000,
        retryMaxMs: 60_000,
        timeoutMs: 10_000,
      },
      security: {
        sessionHours: 12,
        loginMaxFailures: 5,
        loginLockMinutes: 15,
        mqttAllowAnonymous: false,
        mqttMaxPacketBytes: 2 * 1024 * 1024,
        bodyLimitBytes: 1024 * 1024,
        rateLimitPerMinute: 1200,
        corsOrigins: [],
      },
    });
  });

  it('reads a good environment', () => {
    const c = resolveConfig({
      cwd: '/srv/hz',
      env: {
        HAZWATCH_SITE: '/etc/hazwatch/site.yaml',
        HAZWATCH_DATA_DIR: 'var',
        HAZWATCH_HTTP_PORT: '0',
        HAZWATCH_MQTT_URL: 'mqtt://broker:1883',
        HAZWATCH_STORE: 'influxdb',
        HAZWATCH_INFLUX_URL: 'http://influx:8086',
        HAZWATCH_INFLUX_BUCKET: 'hazwatch',
        HAZWATCH_INFLUX_API: 'v1',
        HAZWATCH_LOG_LEVEL: 'debug',
        HAZWATCH_EDGE_SOMETHING: 'other tools may use the prefix',
        PATH: '/usr/bin',
      },
    });
    expect(c.site).toBe('/etc/hazwatch/site.yaml');
    expect(c.dataDir).toBe('/srv/hz/var');
    expect(c.http.port).toBe(0);
    expect(c.mqtt.url).toBe('mqtt://broker:1883');
    expect(c.store).toEqual({ kind: 'influxdb', url: 'http://influx:8086', bucket: 'hazwatch', api: 'v1' });
    expect(c.logLevel).toBe('debug');
  });

  it('treats an empty variable as unset', () => {
    expect(resolveConfig({ env: { HAZWATCH_MQTT_URL: '', HAZWATCH_HTTP_PORT: '' } })).toMatchObject({ mqtt: { port: 1883 }, http: { port: 8080 } });
    expect(resolveConfig({ env: { HAZWATCH_MQTT_URL: '' } }).mqtt.url).toBeUndefined();
  });

  it('lists every bad value at once, with the variable, the value and what is expected', () => {
    let error: unknown;
    try {
      resolveConfig({
        env: {
          HAZWATCH_HTTP_PORT: '80a',
          HAZWATCH_MQTT_PORT: '70000',
          HAZWATCH_MQTT_URL: 'http://broker',
          HAZWATCH_STORE: 'postgres',
          HAZWATCH_INFLUX_API: 'v3',
          HAZWATCH_LOG_LEVEL: 'loud',
        },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(6);
    expect(problems).toContain('HAZWATCH_HTTP_PORT="80a" from the environment: expected a port number 0–65535 (0: any free port)');
    expect(problems).toContain('HAZWATCH_MQTT_PORT="70000" from the environment: expected a port number 0–65535 (0: any free port)');
    expect(problems.find((p) => p.startsWith('HAZWATCH_MQTT_URL="http://broker"'))).toMatch(/mqtt:\/\//);
    expect(problems.find((p) => p.startsWith('HAZWATCH_STORE="postgres"'))).toMatch(/"sqlite" or "influxdb"/);
    expect(problems.find((p) => p.startsWith('HAZWATCH_INFLUX_API="v3"'))).toMatch(/v1.*v2/);
    expect(problems.find((p) => p.startsWith('HAZWATCH_LOG_LEVEL="loud"'))).toMatch(/info/);
    expect((error as Error).message).toContain('- HAZWATCH_HTTP_PORT="80a"');
  });

  it('requires the InfluxDB settings the chosen API needs', () => {
    expect(() => resolveConfig({ env: { HAZWATCH_STORE: 'influxdb' } })).toThrow(ConfigError);
    try {
      resolveConfig({ env: { HAZWATCH_STORE: 'influxdb' } });
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split('=')[0]).sort()).toEqual([
        'HAZWATCH_INFLUX_BUCKET',
        'HAZWATCH_INFLUX_ORG',
        'HAZWATCH_INFLUX_TOKEN',
        'HAZWATCH_INFLUX_URL',
      ]);
      expect((err as ConfigError).problems[0]).toContain('(unset)');
    }
  });

  it('takes a config file, and the environment wins over it', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const file = join(t.dir, 'hazwatch.yaml');
    writeFileSync(file, 'HAZWATCH_HTTP_PORT: 9000\nHAZWATCH_MQTT_PORT: 1884\nHAZWATCH_DATA_DIR: from-file\n');
    const c = loadConfig({ configFile: file, env: { HAZWATCH_HTTP_PORT: '9100' }, cwd: t.dir });
    expect(c.http.port).toBe(9100);
    expect(c.mqtt.port).toBe(1884);
    expect(c.dataDir).toBe(resolve(t.dir, 'from-file'));
  });

  it('names the file for a bad value from it, and refuses unknown keys in it', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const file = join(t.dir, 'hazwatch.json');
    writeFileSync(file, JSON.stringify({ HAZWATCH_HTTP_PORT: -1, HAZWATCH_HTTP_PROT: 80 }));
    try {
      loadConfig({ configFile: 'hazwatch.json', env: {}, cwd: t.dir });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems).toContain('HAZWATCH_HTTP_PORT=-1 from hazwatch.json: expected a port number 0–65535 (0: any free port)');
      expect(problems.find((p) => p.startsWith('HAZWATCH_HTTP_PROT'))).toMatch(/unknown setting/);
    }
  });

  it('reports an unreadable config file clearly', () => {
    expect(() => loadConfig({ configFile: '/nonexistent/hazwatch.yaml', env: {} })).toThrow(/cannot be read/);
  });

  it('exports the schema and the variable list in agreement', () => {
    expect(Object.keys(ConfigSchema.def.shape ?? {}).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
