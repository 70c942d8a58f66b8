// `hazwatch` command dispatch (SPEC 7). Each command returns its exit code; nothing here calls process.exit.

export const USAGE = `hazwatch — monitoring and alarms for hazard class 1.1 workshops (四超)

Usage: hazwatch <command> [options]

Commands:
  serve [--config FILE] [--demo] run the platform: broker, ingest, rules, alarms, HTTP API, dashboard
                                 (--demo: demo users and gateway credentials, printed at start)
  replay ...                     run the rule engine on recorded inputs (virtual clock)
  scenarios DIR...               check scenario files against the rule engine
  audit --site FILE [--json]     compliance audit of a site configuration (exit 1 on a violation)
  report verify --report FILE --ledger FILE
                                 check a period report against an exported ledger
  ledger export | verify FILE    the hash-chained alarm ledger as JSON lines, and its offline check
  user add --role ROLE USERNAME  create a user (the first admin of a new installation)
  gateway-credentials issue|rotate|revoke ENT/GW
                                 a gateway's MQTT secret (shown once, stored hashed), or withdrawn
  gateway-credentials ensure --credentials-file F
                                 a secret for every gateway of the site, kept in F (simulated gateways)
  mosquitto-auth --password-file F --acl-file F
                                 Mosquitto's password file and ACL from the configuration

Options:
  -h, --help                     show this help

Configuration comes from HAZWATCH_* environment variables; --config FILE (YAML or JSON with the same
keys) adds to them, and the environment wins. See SPEC section 7.
`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };


export async function main(argv: string[], io: Out = stdio): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  switch (command) {
    case 'serve':
      return (await import('./serve.ts')).runServe(args, io);
    case 'replay':
      return (await import('./replay.ts')).runReplay(args);
    case 'scenarios':
      return (await import('./scenarios.ts')).runScenarios(args);
    case 'audit':
      return (await import('./audit.ts')).runAudit(args, io);
    case 'report':
      return (await import('./report.ts')).runReport(args, io);
    case 'ledger':
      return (await import('./ledger.ts')).runLedger(args, io);
    case 'user':
      return (await import('./security.ts')).runUser(args, io);
    case 'gateway-credentials':
      return (await import('./security.ts')).runGatewayCredentials(args, io);
    case 'mosquitto-auth':
      return (await import('./security.ts')).runMosquittoAuth(args, io);
    default:
      io.err(`hazwatch: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
