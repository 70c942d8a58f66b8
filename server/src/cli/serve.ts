import { formatProblems } from '@hazwatch/protocols';
import { SiteLoadError, startServer } from '../app.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createLogger } from '../logger.ts';
import { loadSiteFile } from '../site/load.ts';
import { startupChoice } from '../site/in-force.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

function parseArgs(args: string[]): { configFile?: string; demo?: boolean; error?: string } {
  let configFile: string | undefined;
  let demo = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--demo') demo = true;
    else if (a === '--config') {
      configFile = args[++i];
      if (configFile === undefined) return { error: '--config needs a file name' };
    } else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else return { error: `unknown option "${a}"` };
  }
  return { ...(configFile !== undefined ? { configFile } : {}), ...(demo ? { demo } : {}) };
}

/**
 * `hazwatch serve`: configuration, then the site (every problem printed, exit 1), then the platform
 * until SIGINT or SIGTERM, then one graceful shutdown. Resolves with the exit code.
 */
export async function runServe(args: string[], io: Out): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed.error) {
    io.err(`hazwatch serve: ${parsed.error}\nUsage: hazwatch serve [--config FILE] [--demo]\n`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(parsed.configFile !== undefined ? { configFile: parsed.configFile } : {});
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`hazwatch serve: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let server;
  try {
    server = await startServer(config, { logger: log, ...(parsed.demo ? { demo: true } : {}) });
  } catch (err) {
    if (err instanceof SiteLoadError) io.err(`hazwatch serve: the site configuration ${err.file} has problems:\n${formatProblems(err.problems)}\n`);
    else io.err(`hazwatch serve: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  const running = server;
  io.out(
    [
      '',
      `  hazwatch is running`,
      `  dashboard   ${running.httpUrl}/`,
      `  API         ${running.httpUrl}/api/v1/health`,
      `  MQTT        ${running.mqttUrl}${config.mqtt.url === undefined ? ' (embedded broker)' : ''}`,
      `  site        ${config.site} (revision ${running.configs.latest()?.revision ?? 1}; kill -HUP ${process.pid} reloads it)`,
      `  data        ${running.dataDir}`,
      ...(running.demo
        ? ['  demo users  (passwords are kept in the data dir: demo-credentials.json)', ...running.demo.users.map((u) => `    ${u.username.padEnd(10)} ${u.password}  ${u.role}${u.enterpriseId ? ` of ${u.enterpriseId}` : ''}${u.region ? ` for region ${u.region}` : ''}`)]
        : running.auth.hasUsers()
          ? []
          : ['  users       none yet: create the first admin with  hazwatch user add --role admin USERNAME']),
      `  stop with Ctrl+C`,
      '',
      '',
    ].join('\n'),
  );

  // SIGHUP re-reads the site file: a valid change becomes the next revision; an invalid one is refused
  // whole, with every problem logged, and the running configuration stays.
  const reload = async () => {
    const next = await loadSiteFile(config.site);
    if (!next.ok) {
      log.error({ file: config.site, problems: next.problems }, 'site configuration refused; the running revision stays');
      return;
    }
    // As at a start: a file not changed since it was last loaded (a stray SIGHUP, log rotation's) does
    // not undo a revision made since through the API (site/in-force.ts).
    if (startupChoice(running.configs, next).use === 'latest') {
      log.info({ file: config.site, revision: running.configs.latest()?.revision }, 'site file unchanged since it was last loaded; the running revision stays');
      return;
    }
    await running.applySite(next.site, next.text, { source: `file:${config.site}`, changedBy: 'SIGHUP' });
  };
  const onHup = () => void reload().catch((err: unknown) => log.error({ err }, 'site reload failed'));
  process.on('SIGHUP', onHup);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // A second signal while shutting down means "now".
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  process.off('SIGHUP', onHup);
  log.info({ signal }, 'shutting down');
  await running.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  log.flush?.();
  return 0;
}
