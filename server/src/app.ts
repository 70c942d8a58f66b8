import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { formatProblems, type Problem, type SiteConfig } from '@hazwatch/protocols';
import { newAlarmId } from './alarm-id.ts';
import { startEmbeddedBroker, type Broker } from './broker/embedded.ts';
import { EventBus } from './bus.ts';
import type { Config } from './config.ts';
import { registerDashboard } from './http/dashboard.ts';
import { registerRoutes } from './http/routes.ts';
import { registerAlarmRoutes } from './http/alarm-routes.ts';
import { createAlerting, type Alerting } from './alarms/alerting.ts';
import { toAlarmEvent } from './alarms/ledger.ts';
import { bindingsOf } from './ingest/bindings.ts';
import { createIngest, isIngestTopic } from './ingest/ingest.ts';
import { IngestStats } from './ingest/stats.ts';
import { createLogger } from './logger.ts';
import { brokerCredentials, connectPlatformClient, ingestSubscriptions } from './mqtt/platform-client.ts';
import { GatewayConfigs, publishAlarms } from './mqtt/publishers.ts';
import { skipMqttNumberCache } from './mqtt/packet-number-cache.ts';
import { attachRealtime } from './realtime/socket.ts';
import { orphanedAlarms } from './rules/orphaned-alarms.ts';
import { RulesService } from './rules/rules.ts';
import { GatewayPresence } from './presence/gateway-presence.ts';
import { loadSiteFile } from './site/load.ts';
import { startupChoice } from './site/in-force.ts';
import type { AlarmStore } from './storage/alarm-store.ts';
import { SqliteAlarmStore } from './storage/sqlite-alarms.ts';
import { SqliteConfigStore } from './storage/sqlite-config.ts';
import type { ConfigStore } from './storage/config-store.ts';
import { swappableBindings } from './ingest/bindings.ts';
import { iso } from '@hazwatch/protocols';
import { openTelemetryStore } from './storage/open-telemetry.ts';
import { InfluxTelemetryStore } from './storage/influx-telemetry.ts';
import { SpoolAlarm } from './storage/spool-alarm.ts';
import { DeadLetterStore } from './ingest/dead-letters.ts';
import { IngestMetrics } from './ingest/metrics.ts';
import { registerOpsRoutes } from './http/ops-routes.ts';
import type { TelemetryStore } from './storage/telemetry-store.ts';
import { urlHost } from './util/url-host.ts';
import { VERSION } from './version.ts';
import { AuditService } from './audit/service.ts';
import { registerAuditRoutes } from './http/audit-routes.ts';
import { registerReportRoutes } from './http/report-routes.ts';
import { chromiumPdfRenderer } from './reports/pdf.ts';
import { readFileSync } from 'node:fs';
import { AuthStore } from './auth/store.ts';
import { AuthService, type AuthChange } from './auth/service.ts';
import { actorOf as principalActor, visibleEnterprises } from './auth/policy.ts';
import { randomSecret } from './auth/password.ts';
import { seedDemo, type DemoCredentials } from './auth/demo.ts';
import { mqttAccess, PLATFORM_MQTT_USER } from './broker/access.ts';
import { createWillGrace, type WillGraceTiming } from './mqtt/will-grace.ts';
import { authenticate as authenticateRequest, registerAuthz } from './http/authz.ts';
import { registerAuthRoutes } from './http/auth-routes.ts';
import { ledgerHeadOf, reportSource } from './reports/source.ts';

export type StartOptions = {
  /** The site to run; default: loaded from `config.site`. */
  site?: SiteConfig;
  logger?: Logger;
  /** Where the built dashboard is; default dashboard/dist of this repository. */
  dashboardDir?: string;
  now?: () => number;
  /** Channel secrets by the variable names the site gives (`secretEnv`, …); default: the environment. */
  secrets?: (name: string) => string | undefined;
  /** [0, 1) for retry jitter; default Math.random. */
  random?: () => number;
  /** `hazwatch serve --demo` (npm start): demo users and gateway credentials, kept in the data dir. */
  demo?: boolean;
  /** Password hashing parameters (tests lower them; production keeps the default). */
  scrypt?: { N: number; r: number; p: number };
  /** How long gateways' wills wait around a lost broker connection (mqtt/will-grace.ts; tests shorten it). */
  willGrace?: Partial<WillGraceTiming>;
  /**
   * How often open socket.io and MQTT connections are authenticated again (default 30 s): a session
   * expired, or a credential changed by another process (the CLI). Changes made through this server
   * close the connections at once. Tests shorten it.
   */
  authRecheckMs?: number;
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
  /** Alarm handling, notifier and escalation (issue 5). */
  alerting: Alerting;
  /** Users, sessions, API tokens, gateway credentials and the security log (issue 6). */
  auth: AuthService;
  /** Set with `demo`: the demo users' passwords and the gateways' secrets. */
  demo?: DemoCredentials;
  /**
   * Applies a new site configuration at run time (SPEC 3): stored as the next revision, applied to
   * the rule engine without losing state, the gateways' retained `config` republished.
   */
  applySite(site: SiteConfig, text: string, meta: { source: string; changedBy: string }): Promise<number>;
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>;
};

/** Emitted on `process` once a server is up and listening. */
export const SERVER_STARTED = 'hazwatch:server-started';

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
  // Before the broker or the platform client writes its first packet (mqtt/packet-number-cache.ts).
  skipMqttNumberCache();
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
    // The file becomes a new revision when it was changed since it was last loaded; an unchanged file
    // leaves a revision made since through the API in force (site/in-force.ts).
    const choice = startupChoice(configs, { site, text: siteText });
    const current =
      choice.use === 'latest'
        ? choice.latest
        : configs.add({ site, text: siteText, source: opts.site ? 'startup' : `file:${config.site}`, changedBy: 'startup', changedAt: iso(startedAt) });
    if (choice.use === 'latest') {
      // What runs from here on (the engine, ingest's bindings, the gateways' configs, the demo) is the
      // revision in force, as this version's schema reads it.
      site = choice.site;
      if (choice.keptOverFile) log.info({ revision: current.revision, source: current.source, changedBy: current.changedBy, changedAt: current.changedAt }, 'the site file is unchanged since it was last loaded: the later revision stays in force');
    } else if (choice.overrides) {
      const o = choice.overrides;
      log.warn({ revision: current.revision, replaces: o.revision, source: o.source, changedBy: o.changedBy, changedAt: o.changedAt }, 'the site file was changed since it was last loaded: it replaces a later revision');
    } else if (choice.unreadable) {
      log.warn({ revision: current.revision, replaces: choice.unreadable.revision }, 'the latest revision does not validate under this version; the site file replaces it');
    }
    const revision = current.revision;
    // Issue 9: every revision is audited against its regulation profile when it is accepted.
    const audits = new AuditService({ configs, now, log: log.child({ component: 'audit' }) });
    if (!configs.getAudit(revision)) audits.record(current);

    // Closed late (stops run in reverse): its close flushes the InfluxDB spool after ingest has stopped.
    const telemetry = openTelemetryStore(config, { log, now });
    stops.push(() => telemetry.close());
    const deadLetters = new DeadLetterStore({ dataDir: config.dataDir, maxEntries: config.telemetry.deadLettersMax });
    stops.push(() => deadLetters.close());
    const late4: { brokerConnected: () => boolean } = { brokerConnected: () => false };
    const metrics = new IngestMetrics({ store: () => telemetry.health(), brokerConnected: () => late4.brokerConnected(), deadLetters: () => deadLetters.count() });
    if (telemetry instanceof InfluxTelemetryStore) {
      telemetry.onWrite = (w) => metrics.remoteWriteSeconds.observe({ result: w.ok ? 'ok' : 'error' }, w.seconds);
    }
    const alarms = new SqliteAlarmStore({ dataDir: config.dataDir, now });
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
    // What each gateway last said of itself and when it was last heard (the dashboard's 网关 tab).
    const presence = new GatewayPresence(site, (view) => bus.emit('gateway', view));
    // Before rules.start(), which persists what fell due while the platform was down.
    const orphans = await orphanedAlarms(alarms, rules.restoredAlarms);
    if (orphans.length > 0) {
      // The engine takes them over, to clear them when their condition ends (or now, their rule gone).
      const { adopted, cleared, refused } = rules.adopt(orphans);
      const alarmsNamed = orphans.slice(0, 20).map((a) => ({ id: a.id, type: a.type, enterpriseId: a.enterpriseId, subject: a.subject, raisedAt: a.raisedAt }));
      log.warn({ count: orphans.length, adopted: adopted.length, cleared: cleared.slice(0, 20), refused: refused.length, alarms: alarmsNamed }, 'active alarms in the ledger that the rule engine does not hold: adopted, to clear when their condition ends (cleared now where their rule is gone)');
      if (refused.length > 0) log.error({ count: refused.length, refused: refused.slice(0, 20) }, 'active alarms in the ledger that the rule engine could not adopt: nothing will clear them');
    }
    // Installed before the rules start: every transition plans its notifications in its own transaction.
    const alerting = createAlerting({
      store: alarms, bus, log, site: () => rules.site, revision: () => rules.revision, now, newAlarmId: () => newAlarmId(now),
      // Channel secrets are named in the site and read where they are needed (never stored in the site).
      secrets: opts.secrets ?? ((name) => process.env[name]), ...(opts.random ? { random: opts.random } : {}),
    });
    stops.push(() => alerting.stop());

    // Issue 6: identities and the security log, before anything that accepts a connection.
    const authStore = new AuthStore({ dataDir: config.dataDir });
    stops.push(() => authStore.close());
    const auth = new AuthService(
      authStore,
      { sessionHours: config.security.sessionHours, loginMaxFailures: config.security.loginMaxFailures, loginLockMinutes: config.security.loginLockMinutes, ...(opts.scrypt ? { scrypt: opts.scrypt } : {}) },
      now,
    );
    const demo = opts.demo ? await seedDemo(auth, site, config.dataDir) : undefined;
    const readPem = (file: string, what: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new Error(`cannot read the ${what} ${file}: ${(err as Error).message}`);
      }
    };
    const httpTls = config.security.httpTls;

    const stats = new IngestStats();
    // Per-request lines (info) only when debugging; errors still show. pino's Logger and Fastify's
    // logger type differ only in generics.
    const httpLog = log.child({ component: 'http' }, { level: log.level === 'info' ? 'warn' : log.level });
    const app: FastifyInstance = Fastify({
      loggerInstance: httpLog as FastifyBaseLogger,
      bodyLimit: config.security.bodyLimitBytes,
      ...(httpTls ? { https: { cert: readPem(httpTls.cert, 'HTTPS certificate (HAZWATCH_HTTP_TLS_CERT)'), key: readPem(httpTls.key, 'HTTPS key (HAZWATCH_HTTP_TLS_KEY)') } } : {}),
    }) as unknown as FastifyInstance;
    stops.push(() => app.close());
    // The one authorisation layer: before every route, so none can be reached around it.
    await registerAuthz(app, { auth, site: () => rules.site, rateLimitPerMinute: config.security.rateLimitPerMinute, corsOrigins: config.security.corsOrigins, tls: httpTls !== undefined, now });
    await registerAuthRoutes(app, { auth, site: () => rules.site, tls: httpTls !== undefined, now });
    // Routes are registered before the MQTT client that applying a site needs exists.
    const late: { applySite?: RunningServer['applySite'] } = {};
    await registerRoutes(app, {
      rules, alarms, stats, configs, version: VERSION, startedAt, now, gateways: () => presence.views(),
      applySite: (next, text, meta) => (late.applySite ? late.applySite(next, text, meta) : Promise.reject(new Error('the platform is still starting'))),
    });
    await registerAlarmRoutes(app, {
      alarms, handling: alerting.handling, telemetry, site: () => rules.site, now, securityLog: auth.log,
      actorOf: (req) => (req.authz ? principalActor(req.authz.principal, rules.site) : undefined),
      errors: () => ({ notifier: alerting.notifier.errors, escalation: alerting.escalation.errors, planning: alarms.hookErrors }),
    });
    await registerAuditRoutes(app, { audits, configs, now, current: () => ({ site: rules.site, revision: rules.revision }) });
    await registerReportRoutes(app, { source: reportSource(alarms, configs, ledgerHeadOf(alarms)), pdf: chromiumPdfRenderer(config.chromium !== undefined ? { executablePath: config.chromium } : {}), now, securityLog: auth.log });
    await registerDashboard(app, opts.dashboardDir);
    const realtime = attachRealtime({
      httpServer: app.server,
      bus,
      rules,
      gateways: () => presence.views(),
      // Those the control room shows: active, and ended before anyone acknowledged them.
      activeAlarms: async (enterpriseId) => {
        const scope = enterpriseId !== undefined ? { enterpriseId } : {};
        const [active, unacked] = await Promise.all([alarms.list({ state: 'active', limit: 1000, ...scope }), alarms.list({ state: 'unacknowledged', limit: 1000, ...scope })]);
        const ids = new Set(active.map((a) => a.id));
        return [...active, ...unacked.filter((a) => !ids.has(a.id))];
      },
      log,
      authenticate: ({ headers, token, address }, recheck) => {
        const h = { cookie: typeof headers.cookie === 'string' ? headers.cookie : undefined, authorization: typeof headers.authorization === 'string' ? headers.authorization : undefined };
        const { via, result } = authenticateRequest(auth, h, token);
        if (!result.ok) {
          // A recheck that fails closes the connection and is logged as that (onClosed).
          if (!recheck) auth.log.record({ action: 'socket.handshake-refused', outcome: 'denied', ip: address, detail: { via, reason: result.reason } });
          return undefined;
        }
        const p = result.principal;
        return {
          name: p.name,
          key: [p.kind, p.id, p.sessionId ?? '', p.role, p.enterpriseId ?? '', p.region ?? ''].join('|'),
          enterpriseId: p.enterpriseId,
          // The changes that can end this connection's credential (a gateway's never opened one).
          concerns: (raw) => {
            const c = raw as AuthChange;
            if (c.kind === 'user') return p.kind === 'session' && p.id === c.userId;
            if (c.kind === 'session') return p.sessionId === c.sessionId;
            if (c.kind === 'token') return p.kind === 'token' && p.id === c.tokenId;
            return false;
          },
          visible: () => visibleEnterprises(p, rules.site),
        };
      },
      onRefused: (viewer, enterpriseId) => auth.log.record({ action: 'socket.subscribe-refused', outcome: 'denied', actor: viewer.name, enterpriseId, target: `ent:${enterpriseId}` }),
      authChanges: (listener) => auth.onChange(listener),
      ...(opts.authRecheckMs !== undefined ? { recheckMs: opts.authRecheckMs } : {}),
      onClosed: (viewer, reason) => auth.log.record({ action: 'socket.closed', outcome: 'ok', actor: viewer.name, enterpriseId: viewer.enterpriseId ?? null, detail: { reason } }),
    });
    stops.push(() => realtime.close());

    await alerting.start();
    rules.start();
    const bindings = swappableBindings(bindingsOf(site));
    const ingest = createIngest({
      bindings, store: telemetry, apply: (inputs) => {
        // Accepted inputs only (validated, stored, not duplicates), as the rules get them. A failure
        // here must cost the dashboard's gateway tab, never the rules their inputs.
        try {
          presence.observe(inputs);
        } catch (err) {
          log.error({ err }, 'gateway presence failed on an ingest group');
        }
        return rules.applyMany(inputs);
      },
      stats, log: log.child({ component: 'ingest' }), now, deadLetters, metrics,
      // A gateway speaking beyond its bindings is a security event, not only bad input (SPEC 2).
      onReject: (topic, r) => {
        if (['gateway-mismatch', 'unknown-gateway', 'unbound-workshop', 'unbound-line', 'line-not-in-workshop'].includes(r.reason)) {
          const parts = topic.split('/');
          auth.log.record({ action: 'mqtt.ingest-refused', outcome: 'denied', actor: `${parts[2]}/${parts[3]}`, enterpriseId: parts[2] ?? null, target: topic.slice(0, 256), detail: { reason: r.reason, detail: r.detail.slice(0, 500) } });
        }
      },
    });
    // The platform's own client on the embedded broker: a secret made now, known to nobody else.
    const platformPassword = randomSecret();
    const mqttTls = config.security.mqttTls;
    let broker: Broker | undefined;
    if (config.mqtt.url === undefined) {
      // The embedded broker runs ingest itself, before its PUBACK; the platform client only publishes.
      broker = await startEmbeddedBroker({
        host: config.mqtt.host, port: config.mqtt.port, log, ingest: ingest.group, accepts: isIngestTopic,
        access: mqttAccess({ auth, site: () => rules.site, platformPassword, allowAnonymous: config.security.mqttAllowAnonymous }),
        maxPacketBytes: config.security.mqttMaxPacketBytes,
        authChanges: (listener) => auth.onChange(listener),
        ...(opts.authRecheckMs !== undefined ? { recheckMs: opts.authRecheckMs } : {}),
        onClosed: (who, clientId, reason) =>
          auth.log.record({
            action: 'mqtt.disconnected',
            outcome: 'ok',
            actor: who.kind === 'gateway' ? `${who.enterpriseId}/${who.gatewayId}` : who.kind === 'reader' ? who.principal.name : who.kind,
            enterpriseId: who.kind === 'gateway' ? who.enterpriseId : who.kind === 'reader' ? who.principal.enterpriseId : null,
            target: clientId,
            // credentials-withdrawn: rotated, withdrawn, revoked or expired; scope-changed: a site revision.
            detail: { reason },
          }),
        ...(mqttTls ? { tls: { cert: readPem(mqttTls.cert, 'broker certificate (HAZWATCH_MQTT_TLS_CERT)'), key: readPem(mqttTls.key, 'broker key (HAZWATCH_MQTT_TLS_KEY)') } } : {}),
      });
      stops.push(() => broker?.close());
    }
    const mqttUrl = config.mqtt.url ?? broker!.url;
    // On an external broker the wills that a stopping broker publishes are not the gateways' news.
    const willGrace = config.mqtt.url === undefined ? undefined : createWillGrace({ ingest: ingest.one, onLink: (up) => rules.platformLink(up), log, ...(opts.willGrace ? { timing: opts.willGrace } : {}) });
    const client = await connectPlatformClient({
      url: mqttUrl,
      clientId: config.mqtt.clientId,
      subscriptions: config.mqtt.url === undefined ? [] : ingestSubscriptions(config.mqtt.shareGroup),
      onMessage: willGrace?.onMessage ?? ingest.one,
      ...(willGrace ? { onLink: willGrace.link } : {}),
      log,
      ...(config.mqtt.url !== undefined
        ? brokerCredentials(config.mqtt)
        : { username: PLATFORM_MQTT_USER, password: platformPassword, ...(mqttTls ? { tls: { rejectUnauthorized: false } } : {}) }),
    });
    stops.push(() => client.close());
    if (willGrace) stops.push(() => willGrace.stop());
    late4.brokerConnected = () => client.connected();
    const stopAlarmPublishing = publishAlarms(client, bus, log, () => alarms.list({ state: 'unclosed', limit: 10_000 }));
    stops.push(stopAlarmPublishing);
    const gatewayConfigs = new GatewayConfigs(client, log);
    await gatewayConfigs.publish(site, revision, now(), true);
    const spoolAlarm = new SpoolAlarm({
      health: () => telemetry.health(),
      alarmPercent: config.telemetry.spoolAlarmPercent,
      enterprises: () => rules.site.enterprises.map((e) => e.id),
      revision: () => rules.revision,
      record: async (events) => {
        // As stored: handling recorded meanwhile (an acknowledgement) stays on the record.
        for (const e of await alarms.append(events)) bus.emit('alarm', toAlarmEvent(e));
      },
      active: () => alarms.list({ state: 'active', limit: 1000 }),
      newId: () => newAlarmId(now),
      log,
      now,
    });
    await spoolAlarm.start();
    stops.push(() => spoolAlarm.stop());
    await registerOpsRoutes(app, {
      telemetry, storeKind: config.store.kind, deadLetters, metrics, now,
      brokerConnected: () => client.connected(),
      embeddedBroker: broker !== undefined,
      spoolAlarmPercent: config.telemetry.spoolAlarmPercent,
      site: () => rules.site,
      alarm: (id) => alarms.get(id),
    });

    await app.listen({ host: config.http.host, port: config.http.port });
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    const httpUrl = `${httpTls ? 'https' : 'http'}://${urlHost(config.http.host)}:${httpPort}`;
    const mqttPort = broker?.port ?? brokerPort(mqttUrl);
    log.info({ httpUrl, mqttUrl, dataDir: config.dataDir, version: VERSION }, 'hazwatch is running');
    // For the `hazwatch` launcher, which then settles the process's heap (server/bin/hazwatch.mjs).
    (process as NodeJS.EventEmitter).emit(SERVER_STARTED);

    // One change at a time: revisions are numbered and applied in order.
    let applying: Promise<unknown> = Promise.resolve();
    const applySite: RunningServer['applySite'] = (next, text, meta) => {
      const done = applying.then(async () => {
        const rev = configs.add({ site: next, text, source: meta.source, changedBy: meta.changedBy, changedAt: iso(now()) });
        auth.log.record({ action: 'site.revision', outcome: 'ok', actor: meta.changedBy, target: `revision ${rev.revision}`, detail: { source: meta.source } });
        audits.record(rev);
        bindings.set(bindingsOf(next));
        // With the bindings: a gateway the revision adds may speak (its birth status) at once.
        presence.setSite(next);
        await rules.reconfigure(next, rev.revision);
        // Who sees which enterprise can change with it (a region, an enterprise added): live connections follow.
        bus.emit('site', { revision: rev.revision });
        try {
          broker?.siteChanged();
        } catch (err) {
          log.error({ err }, 'closing MQTT connections outside their new scope failed');
        }
        await gatewayConfigs.publish(next, rev.revision, now(), false);
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
      alerting,
      auth,
      ...(demo ? { demo } : {}),
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
