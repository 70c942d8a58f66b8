// The ingestion and storage settings (issue 4): broker credentials, TLS files, shared subscriptions,
// retention, dedupe, spool and retry tuning; defaults, parsing and the problems listed.
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/config.ts';
import { ingestSubscriptions } from '../src/mqtt/platform-client.ts';

describe('ingestion settings', () => {
  it('reads broker credentials, TLS files (relative to the cwd) and a share group', () => {
    const c = resolveConfig({
      cwd: '/srv/hz',
      env: {
        HAZWATCH_MQTT_URL: 'mqtts://broker:8883',
        HAZWATCH_MQTT_CLIENT_ID: 'hazwatch-a',
        HAZWATCH_MQTT_USERNAME: 'platform',
        HAZWATCH_MQTT_PASSWORD: 's3cret',
        HAZWATCH_MQTT_SHARE_GROUP: 'ingest',
        HAZWATCH_MQTT_CA: 'tls/ca.pem',
        HAZWATCH_MQTT_CERT: '/etc/hz/client.pem',
        HAZWATCH_MQTT_KEY: '/etc/hz/client.key',
      },
    });
    expect(c.mqtt).toEqual({
      url: 'mqtts://broker:8883',
      host: '0.0.0.0',
      port: 1883,
      clientId: 'hazwatch-a',
      username: 'platform',
      password: 's3cret',
      shareGroup: 'ingest',
      tls: { ca: '/srv/hz/tls/ca.pem', cert: '/etc/hz/client.pem', key: '/etc/hz/client.key', rejectUnauthorized: true },
    });
    expect(ingestSubscriptions(c.mqtt.shareGroup)).toEqual(['$share/ingest/hazwatch/v1/+/+/telemetry', '$share/ingest/hazwatch/v1/+/+/status']);
    expect(ingestSubscriptions()).toEqual(['hazwatch/v1/+/+/telemetry', 'hazwatch/v1/+/+/status']);
  });

  it('reads the storage tuning from the environment or a file', () => {
    const c = resolveConfig({
      env: { HAZWATCH_RETENTION_DAYS: '0', HAZWATCH_SPOOL_MAX_BATCHES: '500', HAZWATCH_INFLUX_RETRY_MIN_MS: '50', HAZWATCH_MQTT_TLS_INSECURE: 'yes' },
      file: { HAZWATCH_DEDUPE_DAYS: 3, HAZWATCH_INFLUX_RETRY_MAX_MS: 200, HAZWATCH_SPOOL_ALARM_PERCENT: 50 },
    });
    expect(c.telemetry).toMatchObject({ retentionDays: 0, dedupeDays: 3, spoolMaxBatches: 500, spoolAlarmPercent: 50, retryMinMs: 50, retryMaxMs: 200 });
    expect(c.mqtt.tls).toEqual({ rejectUnauthorized: false });
  });

  it('lists every bad value', () => {
    let error: unknown;
    try {
      resolveConfig({
        env: {
          HAZWATCH_SPOOL_MAX_BATCHES: '0',
          HAZWATCH_SPOOL_ALARM_PERCENT: '150',
          HAZWATCH_DEDUPE_DAYS: 'a week',
          HAZWATCH_MQTT_SHARE_GROUP: 'a/b',
          HAZWATCH_MQTT_TLS_INSECURE: 'maybe',
        },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const key of ['HAZWATCH_SPOOL_MAX_BATCHES="0"', 'HAZWATCH_SPOOL_ALARM_PERCENT="150"', 'HAZWATCH_DEDUPE_DAYS="a week"', 'HAZWATCH_MQTT_SHARE_GROUP="a/b"', 'HAZWATCH_MQTT_TLS_INSECURE="maybe"']) {
      expect(text).toContain(key);
    }
    // Checks across settings, once each value is valid on its own.
    expect(() => resolveConfig({ env: { HAZWATCH_MQTT_CERT: 'client.pem', HAZWATCH_INFLUX_RETRY_MIN_MS: '5000', HAZWATCH_INFLUX_RETRY_MAX_MS: '1000' } })).toThrow(
      /HAZWATCH_MQTT_KEY[^\n]*needs both[\s\S]*HAZWATCH_INFLUX_RETRY_MAX_MS="1000"[^\n]*must not be less/,
    );
  });
});
