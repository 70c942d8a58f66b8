// docker-compose.yml must start a server that accepts its own configuration: every HAZWATCH_* variable
// is one the server knows, the values pass its validation, and the InfluxDB settings match what the
// influxdb container is initialised with.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES, resolveConfig } from '@hazwatch/server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Service = { image?: string; build?: unknown; environment?: Record<string, string>; command?: string[]; volumes?: string[] };
// Compose reads `<<` merge keys (the shared x-platform environment).
const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const { server, influxdb, simulator, mosquitto } = compose.services as Record<string, Service>;

/** Compose's `${NAME:-default}` as it reads with NAME unset. */
function interpolate(value: string): string {
  return String(value).replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name, fallback: string) => fallback);
}

describe('docker-compose.yml', () => {
  it('gives the server only variables its configuration schema knows', () => {
    const keys = Object.keys(server!.environment ?? {}).filter((k) => k.startsWith('HAZWATCH_'));
    expect(keys.length).toBeGreaterThan(5);
    expect(keys).toEqual(expect.arrayContaining(['HAZWATCH_SITE', 'HAZWATCH_DATA_DIR', 'HAZWATCH_MQTT_USERNAME', 'HAZWATCH_MQTT_PASSWORD']));
    for (const k of keys) expect(CONFIG_VARIABLES, k).toContain(k);
  });

  it('configures a server that validates: an external broker and InfluxDB 2 matching its init variables', () => {
    const env = Object.fromEntries(Object.entries(server!.environment!).map(([k, v]) => [k, interpolate(v)]));
    const config = resolveConfig({ env, cwd: '/app' });
    expect(config.mqtt.url).toBe('mqtt://mosquitto:1883');
    expect(config.store).toEqual({
      kind: 'influxdb',
      url: 'http://influxdb:8086',
      api: 'v2',
      org: influxdb!.environment!.DOCKER_INFLUXDB_INIT_ORG,
      bucket: influxdb!.environment!.DOCKER_INFLUXDB_INIT_BUCKET,
      token: interpolate(influxdb!.environment!.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN!),
    });
    // The same variable feeds both, so overriding the token in .env keeps them in step.
    expect(server!.environment!.HAZWATCH_INFLUX_TOKEN).toBe(influxdb!.environment!.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN);
    expect(influxdb!.environment!.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    expect(existsSync(join(ROOT, config.site.replace(/^\/app\//, '')))).toBe(true);
  });

  it('runs the simulated gateways against the same broker, and mounts the files it names', () => {
    expect(mosquitto!.image).toMatch(/^eclipse-mosquitto:2/);
    expect(influxdb!.image).toMatch(/^influxdb:2/);
    const cmd = simulator!.command!;
    expect(cmd.slice(0, 3)).toEqual(['node', 'edge-agent/bin/hazwatch-agent.mjs', 'simulate']);
    expect(cmd[cmd.indexOf('--mqtt-url') + 1]).toBe(server!.environment!.HAZWATCH_MQTT_URL);
    expect(existsSync(join(ROOT, cmd[cmd.indexOf('--site') + 1]!))).toBe(true);
    for (const v of mosquitto!.volumes!.filter((x) => x.startsWith('./'))) expect(existsSync(join(ROOT, v.split(':')[0]!))).toBe(true);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^CMD \["server\/bin\/hazwatch", "serve"\]$/m);
    // The launcher the image runs is executable in the repository (COPY keeps the mode).
    expect(statSync(join(ROOT, 'server/bin/hazwatch')).mode & 0o111).not.toBe(0);
  });
});
