import { hostname } from 'node:os';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { formatProblems, topics, type Problem, type SiteConfig } from '@hazwatch/protocols';
import { newAlarmId } from './alarm-id.ts';
import { startEmbeddedBroker, type Broker } from './broker/embedded.ts';
import { EventBus } from './bus.ts';
import type { Config } from './config.ts';
import { registerDashboard } from './http/dashboard.ts';
import { registerRoutes } from './http/routes.ts';
import { bindingsOf } from './ingest/bindings.ts';
import { createIngest } from './ingest/ingest.ts';
import { IngestStats } from './ingest/stats.ts';
import { createLogger } from './logger.ts';
import { connectPlatformClient } from './mqtt/platform-client.ts';
import { publishAlarms, publishGatewayConfigs } from './mqtt/publishers.ts';
import { attachRealtime } from './realtime/socket.ts';
import { RulesService } from './rules/rules.ts';
import { loadSiteFile } from './site/load.ts';
import type { AlarmStore } from './storage/alarm-store.ts';
import { SqliteAlarmStore } from './storage/sqlite-alarms.ts';
import { SqliteConfigStore } from './storage/sqlite-config.ts';
import type { ConfigStore } from './storage/config-store.ts';
import { swappableBindings } from './ingest/bindings.ts';
import { iso } from '@hazwatch/protocols';
import { SqliteTelemetryStore } from './storage/sqlite-telemetry.ts';
import type { TelemetryStore } from './storage/telemetry-store.ts';
import { urlHost } from './util/url-host.ts';
import { VERSION } from './version.ts';

export type StartOptions = {
  /** The site to run; default: loaded from `config.site`. */
  site?: SiteConfig;
  logger?: Logger;
  /** Where the built dashboard is; default dashboard/dist of this repository. */
  dashboardDir?: string;
  now?: () => number;
};

export type RunningServer = {
  httpUrl: string;
  httpPort: number;
  mqttUrl: string;
  mqttPort: number;
  dataDir: string;
  app: FastifyInstance;
  telemetry: TelemetryStore;
  alarms: AlarmStore;
  configs: ConfigStore;
  /**
   * Applies a new site configuration at run time (SPEC 3): stored as the next revision, applied to
   * the rule engine without losing state, the gateways' retained `config` republished.
   */
  applySite(site: SiteConfig, text: string, meta: { source: string; changedBy: string }): Promise<number>;
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>;
};

export class SiteLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(`site configuration ${file} is invalid:\n${formatProblems(problems)}`);
    this.name = 'SiteLoadError';
  }
}

/**
 * Starts the live platform: stores, rule engine, broker (embedded unless HAZWATCH_MQTT_URL is set),
 * ingest, MQTT publishers, HTTP API, dashboard and socket.io. Each part starts after what it depends
 * on and stops in reverse order; a failure half-way stops what already started.
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, 'error during shutdown');
      }
    }
    stops.length = 0;
  };

  try {
    let site = opts.site;
    let siteText = site ? JSON.stringify(site, null, 2) : '';
    if (!site) {
      const loaded = await loadSiteFile(config.site);
      if (!loaded.ok) throw new SiteLoadError(config.site, loaded.problems);
      site = loaded.site;
      siteText = loaded.text;
    }
    const configs = new SqliteConfigStore({ dataDir: config.dataDir });
    stops.push(() => configs.close());
    // The file is the configuration at start; it becomes a new revision only when it differs from the last one.
    const last = configs.latest();
    const current =
      last && JSON.stringify(last.site) === JSON.stringify(site)
        ? last
        : configs.add({ site, text: siteText, source: opts.site ? 'startup' : `file:${config.site}`, changedBy: 'startup', changedAt: iso(startedAt) });
    const revision = current.revision;

    if (config.store.kind !== 'sqlite') {
      throw new Error('HAZWATCH_STORE=influxdb is not available in this version yet; use HAZWATCH_STORE=sqlite');
    }
    const telemetry = new SqliteTelemetryStore({ dataDir: config.dataDir, now });
    stops.push(() => telemetry.close());
    const alarms = new SqliteAlarmStore({ dataDir: config.dataDir });
    stops.push(() => alarms.close());

    const bus = new EventBus(log);
    const savedState = await alarms.loadEngineState();
    const savedSite = savedState && configs.get(savedState.revision)?.site;
    const rules = new RulesService({
      site, revision, alarms, bus, log: log.child({ component: 'rules' }), newId: () => newAlarmId(now), now,
      ...(savedState && savedSite ? { saved: { revision: savedState.revision, site: savedSite, snapshot: savedState.snapshot } } : {}),
    });
    if (savedState && !savedSite) log.warn({ revision: savedState.revision }, 'saved rule engine state names an unknown revision; starting fresh');
    stops.push(() => rules.stop());

    const stats = new IngestStats();
    // Per-request lines (info) only when debugging; errors still show. pino's Logger and Fastify's
    // logger type differ only in generics.
    const httpLog = log.child({ component: 'http' }, { level: log.level === 'info' ? 'warn' : log.level });
    const app: FastifyInstance = Fastify({ loggerInstance: httpLog as FastifyBaseLogger });
    stops.push(() => app.close());
    // Routes are registered before the MQTT client that applying a site needs exists.
    const late: { applySite?: RunningServer['applySite'] } = {};
    await registerRoutes(app, {
      rules, alarms, stats, configs, version: VERSION, startedAt, now,
      applySite: (next, text, meta) => (late.applySite ? late.applySite(next, text, meta) : Promise.reject(new Error('the platform is still starting'))),
    });
    await registerDashboard(app, opts.dashboardDir);
    const realtime = attachRealtime({
      httpServer: app.server,
      bus,
      rules,
      activeAlarms: (enterpriseId) => alarms.list({ state: 'active', limit: 1000, ...(enterpriseId !== undefined ? { enterpriseId } : {}) }),
      log,
    });
    stops.push(() => realtime.close());

    let broker: Broker | undefined;
    if (config.mqtt.url === undefined) {
      broker = await startEmbeddedBroker({ host: config.mqtt.host, port: config.mqtt.port, log });
      stops.push(() => broker?.close());
    }
    const mqttUrl = config.mqtt.url ?? broker!.url;

    rules.start();
    const bindings = swappableBindings(bindingsOf(site));
    const ingest = createIngest({ bindings, store: telemetry, apply: (i) => rules.apply(i), stats, log: log.child({ component: 'ingest' }), now });
    const client = await connectPlatformClient({
      url: mqttUrl,
      clientId: `hazwatch-platform-${hostname()}`.slice(0, 64),
      subscriptions: [topics.allTelemetry, topics.allStatus],
      onMessage: ingest,
      log,
    });
    stops.push(() => client.close());
    const stopAlarmPublishing = publishAlarms(client, bus, log);
    stops.push(stopAlarmPublishing);
    await publishGatewayConfigs(client, site, revision, now(), log);

    await app.listen({ host: config.http.host, port: config.http.port });
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    const httpUrl = `http://${urlHost(config.http.host)}:${httpPort}`;
    const mqttPort = broker?.port ?? brokerPort(mqttUrl);
    log.info({ httpUrl, mqttUrl, dataDir: config.dataDir, version: VERSION }, 'hazwatch is running');

    // One change at a time: revisions are numbered and applied in order.
    let applying: Promise<unknown> = Promise.resolve();
    const applySite: RunningServer['applySite'] = (next, text, meta) => {
      const done = applying.then(async () => {
        const rev = configs.add({ site: next, text, source: meta.source, changedBy: meta.changedBy, changedAt: iso(now()) });
        bindings.set(bindingsOf(next));
        await rules.reconfigure(next, rev.revision);
        await publishGatewayConfigs(client, next, rev.revision, now(), log);
        log.info({ revision: rev.revision, source: meta.source, changedBy: meta.changedBy }, 'site configuration applied');
        return rev.revision;
      });
      applying = done.catch(() => undefined);
      return done;
    };

    late.applySite = applySite;

    let closing: Promise<void> | undefined;
    return {
      httpUrl,
      httpPort,
      mqttUrl,
      mqttPort,
      dataDir: config.dataDir,
      app,
      telemetry,
      alarms,
      configs,
      applySite,
      close: () =>
        (closing ??= (async () => {
          log.info('hazwatch is stopping');
          await stopAll();
        })()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function brokerPort(url: string): number {
  const u = new URL(url);
  if (u.port) return Number(u.port);
  return ({ 'mqtts:': 8883, 'ssl:': 8883, 'ws:': 80, 'wss:': 443 } as Record<string, number>)[u.protocol] ?? 1883;
}
