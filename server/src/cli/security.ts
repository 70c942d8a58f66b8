// `hazwatch user add`, `hazwatch gateway-credentials issue|rotate` and `hazwatch mosquitto-auth`
// (issue 6). They work on the data dir's auth.sqlite directly (WAL: beside a running platform too).
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { formatProblems, type SiteConfig } from '@hazwatch/protocols';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { mosquittoHash } from '../auth/password.ts';
import { AuthError, AuthService, parseGatewayUsername } from '../auth/service.ts';
import { AuthStore } from '../auth/store.ts';
import { ROLES, type Role } from '../auth/types.ts';
import { loadSiteFile } from '../site/load.ts';
import { startupChoice } from '../site/in-force.ts';
import { SqliteConfigStore } from '../storage/sqlite-config.ts';
import { z } from 'zod';

type Out = { out: (s: string) => void; err: (s: string) => void };
/** Where a password comes from: tests and scripts give it on stdin. */
export type Input = { stdin: NodeJS.ReadableStream; isTTY: boolean };
const defaultInput: Input = { stdin: process.stdin, isTTY: process.stdin.isTTY === true };

function config(configFile: string | undefined): Config {
  return loadConfig(configFile !== undefined ? { configFile } : {});
}

function withAuth<T>(cfg: Config, run: (auth: AuthService) => Promise<T>): Promise<T> {
  const store = new AuthStore({ dataDir: cfg.dataDir });
  const auth = new AuthService(store, { sessionHours: cfg.security.sessionHours, loginMaxFailures: cfg.security.loginMaxFailures, loginLockMinutes: cfg.security.loginLockMinutes });
  return run(auth).finally(() => store.close());
}

/** The site the platform runs (or will run at its next start): the file, or a later revision it keeps. */
async function site(cfg: Config): Promise<SiteConfig> {
  const loaded = await loadSiteFile(cfg.site);
  if (!loaded.ok) throw new UsageError(`the site configuration ${cfg.site} has problems:\n${formatProblems(loaded.problems)}`);
  const configs = new SqliteConfigStore({ dataDir: cfg.dataDir });
  try {
    const choice = startupChoice(configs, loaded);
    return choice.use === 'latest' ? choice.site : loaded.site;
  } finally {
    configs.close();
  }
}

class UsageError extends Error {}

async function readPassword(input: Input, io: Out): Promise<string> {
  if (!input.isTTY) {
    // --password-stdin: the first line.
    const rl = createInterface({ input: input.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new UsageError('no password on stdin');
  }
  const ask = async (prompt: string) => {
    io.err(prompt);
    const muted = new Writable({ write: (_c, _e, done) => done() });
    const rl = createInterface({ input: input.stdin, output: muted, terminal: true });
    const answer = await new Promise<string>((resolve) => rl.question('', resolve));
    rl.close();
    io.err('\n');
    return answer;
  };
  const first = await ask('password: ');
  if ((await ask('again: ')) !== first) throw new UsageError('the passwords differ');
  return first;
}

async function run(io: Out, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(err as Error).message}\n${usage}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof AuthError) {
      io.err(`${err.message}\n`);
      return 1;
    }
    if (err instanceof z.ZodError) {
      io.err(`${err.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('\n')}\n`);
      return 1;
    }
    throw err;
  }
}

const USER_USAGE = `Usage: hazwatch user add --role ROLE [--enterprise ID] [--region CODE] [--display-name NAME] [--password-stdin] [--config FILE] USERNAME
  ROLE: ${ROLES.join(', ')}. The password is asked for twice (or read from stdin with --password-stdin).
`;

export function runUser(args: string[], io: Out, input: Input = defaultInput): Promise<number> {
  return run(io, USER_USAGE, async () => {
    if (args[0] !== 'add') throw new UsageError(`unknown subcommand "${args[0] ?? ''}"`);
    const { values, positionals } = parseArgs({
      args: args.slice(1),
      options: { role: { type: 'string' }, enterprise: { type: 'string' }, region: { type: 'string' }, 'display-name': { type: 'string' }, 'password-stdin': { type: 'boolean' }, config: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give one USERNAME');
    if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const cfg = config(values.config);
    const password = await readPassword(values['password-stdin'] ? { ...input, isTTY: false } : input, io);
    const user = await withAuth(cfg, (auth) =>
      auth.createUser(
        {
          username: positionals[0]!,
          role: values.role as Role,
          enterpriseId: values.enterprise ?? null,
          region: values.region ?? null,
          password,
          ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
        },
        'cli',
      ),
    );
    io.out(`user ${user.username} (${user.role}${user.enterpriseId ? `, ${user.enterpriseId}` : ''}${user.region ? `, region ${user.region}` : ''}) created\n`);
    return 0;
  });
}

const GATEWAY_USAGE = `Usage: hazwatch gateway-credentials issue|rotate|revoke ENTERPRISE/GATEWAY [--json] [--config FILE]
       hazwatch gateway-credentials ensure --credentials-file FILE [--reissue] [--json] [--config FILE]
  issue, rotate: prints the gateway's MQTT user name and a new secret, once; only its hash is kept.
  revoke: withdraws the gateway's secret (a gateway taken out of service).
  ensure: keeps in FILE ({"gateways": {"ENT/GW": secret}}, what hazwatch-agent --credentials reads) a
  secret for every gateway of the site that has none yet, issuing it; secrets in FILE that still sign
  in are kept. A gateway whose current secret FILE lacks (rotated elsewhere) is left as it is and
  named, unless --reissue rotates it too: only for gateways that take their secret from FILE
  (simulated ones), since a rotation locks out the secret a real gateway holds.
`;

export function runGatewayCredentials(args: string[], io: Out): Promise<number> {
  return run(io, GATEWAY_USAGE, async () => {
    const [action, ...rest] = args;
    if (action === 'ensure') return ensureGatewayCredentials(rest, io);
    if (action !== 'issue' && action !== 'rotate' && action !== 'revoke') throw new UsageError(`unknown subcommand "${action ?? ''}"`);
    const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
    const g = positionals.length === 1 ? parseGatewayUsername(positionals[0]!) : undefined;
    if (!g) throw new UsageError('give the gateway as ENTERPRISE/GATEWAY');
    const cfg = config(values.config);
    const s = await site(cfg);
    if (!s.enterprises.find((e) => e.id === g.enterpriseId)?.gateways.some((x) => x.id === g.gatewayId)) {
      io.err(`the site configuration ${cfg.site} has no gateway ${g.enterpriseId}/${g.gatewayId}\n`);
      return 1;
    }
    return withAuth(cfg, async (auth) => {
      if (action === 'revoke') {
        if (!auth.revokeGatewayCredential(g.enterpriseId, g.gatewayId, 'cli')) {
          io.err(`${g.enterpriseId}/${g.gatewayId} has no credential\n`);
          return 1;
        }
        io.out(`${g.enterpriseId}/${g.gatewayId}: credential withdrawn; a platform on its embedded broker closes the gateway's connections within 30 s; with Mosquitto run mosquitto-auth and restart it\n`);
        return 0;
      }
      const exists = auth.store.gatewayCredential(g.enterpriseId, g.gatewayId) !== undefined;
      if (exists !== (action === 'rotate')) {
        io.err(exists ? `${g.enterpriseId}/${g.gatewayId} has a credential: use rotate\n` : `${g.enterpriseId}/${g.gatewayId} has no credential to rotate: use issue\n`);
        return 1;
      }
      const c = auth.gatewayCredential(g.enterpriseId, g.gatewayId, 'cli');
      io.out(values.json ? `${JSON.stringify({ username: c.username, password: c.password })}\n` : `username ${c.username}\npassword ${c.password}\n`);
      return 0;
    });
  });
}

/**
 * Written whole and renamed into place, mode 0600 whether the file existed or not: a crash leaves the
 * old file or the new, never half of one, and a reader (a broker reloading) never sees a partial one.
 */
function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** `gateway-credentials ensure`: every gateway of the site signs in with a secret kept in one file. */
async function ensureGatewayCredentials(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'credentials-file': { type: 'string' }, reissue: { type: 'boolean' }, json: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
  const file = values['credentials-file'];
  if (file === undefined) throw new UsageError('--credentials-file is required');
  if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`);
  // A file that is there but unreadable is refused, not replaced: its secrets may be the only copy.
  let kept: Record<string, string> = {};
  if (existsSync(file)) {
    const doc = (() => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as unknown;
      } catch (err) {
        throw new UsageError(`--credentials-file ${file}: ${(err as Error).message}`);
      }
    })();
    const g = (doc as { gateways?: unknown } | null)?.gateways;
    if (typeof g !== 'object' || g === null || Object.values(g).some((v) => typeof v !== 'string')) throw new UsageError(`--credentials-file ${file}: expected { "gateways": { "ENT/GW": "secret", … } }`);
    kept = g as Record<string, string>;
  }
  const cfg = config(values.config);
  const s = await site(cfg);
  return withAuth(cfg, async (auth) => {
    const gateways: Record<string, string> = {};
    const done = { kept: [] as string[], issued: [] as string[], rotated: [] as string[], unproven: [] as string[], dropped: Object.keys(kept) };
    for (const e of s.enterprises) {
      for (const g of e.gateways) {
        const key = `${e.id}/${g.id}`;
        done.dropped = done.dropped.filter((k) => k !== key);
        const old = kept[key];
        if (old !== undefined && auth.verifyGateway(key, old)) {
          gateways[key] = old;
          done.kept.push(key);
          continue;
        }
        const existed = auth.store.gatewayCredential(e.id, g.id) !== undefined;
        if (existed && !values.reissue) {
          // Issued or rotated elsewhere (the dashboard, the API): whoever holds that secret keeps it,
          // and the file keeps what it had.
          if (old !== undefined) gateways[key] = old;
          done.unproven.push(key);
          continue;
        }
        gateways[key] = auth.gatewayCredential(e.id, g.id, 'cli').password;
        (existed ? done.rotated : done.issued).push(key);
      }
    }
    writePrivate(file, `${JSON.stringify({ gateways }, null, 2)}\n`);
    if (values.json) io.out(`${JSON.stringify(done)}\n`);
    else {
      io.out(`wrote ${file}: ${Object.keys(gateways).length} gateways (${done.kept.length} kept, ${done.issued.length} issued, ${done.rotated.length} rotated)\n`);
      if (done.rotated.length) io.err(`rotated (the file lacked their current secret): ${done.rotated.join(', ')}\n`);
      if (done.unproven.length) io.err(`left as they are (their current secret is not in the file; --reissue rotates them): ${done.unproven.join(', ')}\n`);
      if (done.dropped.length) io.err(`dropped (no longer in the site): ${done.dropped.join(', ')}\n`);
    }
    return 0;
  });
}

const MOSQUITTO_USAGE = `Usage: hazwatch mosquitto-auth --password-file FILE --acl-file FILE [--config FILE]
  Writes Mosquitto's password file (the platform user HAZWATCH_MQTT_USERNAME/PASSWORD and every
  gateway of the site with an issued credential) and an ACL giving each gateway only its own topics.
`;

/** The ACL: the platform reads every gateway's topics and writes configs and alarms; each gateway only its own prefix. */
export function mosquittoAcl(platformUser: string, gateways: { enterpriseId: string; gatewayId: string }[]): string {
  const lines = [
    '# Written by `hazwatch mosquitto-auth`: do not edit, run it again after a change.',
    `user ${platformUser}`,
    'topic readwrite hazwatch/v1/#',
    '',
  ];
  for (const g of gateways) {
    const prefix = `hazwatch/v1/${g.enterpriseId}/${g.gatewayId}`;
    lines.push(`user ${g.enterpriseId}/${g.gatewayId}`, `topic write ${prefix}/telemetry`, `topic write ${prefix}/status`, `topic read ${prefix}/config`, '');
  }
  return lines.join('\n');
}

export function runMosquittoAuth(args: string[], io: Out): Promise<number> {
  return run(io, MOSQUITTO_USAGE, async () => {
    const { values } = parseArgs({ args, options: { 'password-file': { type: 'string' }, 'acl-file': { type: 'string' }, config: { type: 'string' } }, strict: true });
    if (values['password-file'] === undefined || values['acl-file'] === undefined) throw new UsageError('--password-file and --acl-file are required');
    const cfg = config(values.config);
    const { username, password } = cfg.mqtt;
    if (username === undefined || password === undefined) {
      io.err('the platform connects to Mosquitto with HAZWATCH_MQTT_USERNAME and HAZWATCH_MQTT_PASSWORD: set both\n');
      return 1;
    }
    const s = await site(cfg);
    const inSite = new Set(s.enterprises.flatMap((e) => e.gateways.map((g) => `${e.id}/${g.id}`)));
    return withAuth(cfg, async (auth) => {
      const creds = auth.store.gatewayCredentials().filter((c) => inSite.has(`${c.enterpriseId}/${c.gatewayId}`));
      const missing = [...inSite].filter((k) => !creds.some((c) => `${c.enterpriseId}/${c.gatewayId}` === k));
      const passwd = [`${username}:${mosquittoHash(password)}`, ...creds.map((c) => `${c.enterpriseId}/${c.gatewayId}:${c.hash}`)].join('\n');
      // Both private to the broker's user (Mosquitto 2 warns of, and later versions refuse, readable ones).
      writePrivate(values['password-file']!, `${passwd}\n`);
      writePrivate(values['acl-file']!, mosquittoAcl(username, creds));
      auth.log.record({ action: 'mqtt.mosquitto-auth-written', outcome: 'ok', actor: 'cli', detail: { gateways: creds.length, missing } });
      io.out(`wrote ${values['password-file']} (${creds.length + 1} users) and ${values['acl-file']}\n`);
      if (missing.length) io.err(`gateways without a credential (they cannot connect): ${missing.join(', ')}; issue with: hazwatch gateway-credentials issue ENT/GW\n`);
      io.out('reload Mosquitto (kill -HUP) to apply\n');
      return 0;
    });
  });
}
