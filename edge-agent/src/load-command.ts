// `hazwatch-agent load`: the benchmarks' load generator (simulators/src/load) as a command, to load a
// running platform the way `npm run bench` does. The site is the synthetic one (N enterprises × M
// workshops, a gateway per 10 workshops, limits the load stays within), so the platform must run that
// same site: `--write-site` writes it. Every gateway is one MQTT connection publishing QoS 1 batches
// (one reading per workshop of the gateway) with at most K unacknowledged, either at a fixed rate or
// closed loop (as fast as PUBACKs come back), always for a bounded time.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LoadGenerator, gatewaysOf, syntheticSite, type LoadResult } from '@hazwatch/simulators';
import { UsageError, gatewayLogin, readCredentials } from './cli-args.ts';

/** Every load is bounded (a load left running by mistake must end by itself). */
const MAX_SECONDS = 3600;

function integer(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function positive(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`${flag} expects a number above 0 and at most ${max}, got "${value}"`);
  return n;
}

/** Runs `hazwatch-agent load ARGS`; the exit code: 0 done, 1 nothing acknowledged or a batch failed, 2 usage. */
export async function runLoad(args: string[], usage: string, out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        'mqtt-url': { type: 'string' },
        enterprises: { type: 'string' },
        workshops: { type: 'string' },
        rate: { type: 'string' },
        seconds: { type: 'string' },
        'in-flight': { type: 'string' },
        credentials: { type: 'string' },
        'first-seq': { type: 'string' },
        seed: { type: 'string' },
        'write-site': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out(`${usage}\n`);
      return 0;
    }
    const enterprises = integer('--enterprises', values.enterprises, 1, 1, 1000);
    const workshops = integer('--workshops', values.workshops, 100, 1, 10_000);
    const site = syntheticSite({ enterprises, workshopsPerEnterprise: workshops });
    if (values['write-site'] !== undefined) {
      writeFileSync(values['write-site'], `${JSON.stringify(site, null, 2)}\n`);
      out(`site of ${enterprises} enterprise(s) × ${workshops} workshops (${gatewaysOf(site).length} gateways) written to ${values['write-site']}\n`);
      return 0;
    }
    const ratePerWorkshop = positive('--rate', values.rate, 1000);
    const seconds = positive('--seconds', values.seconds, MAX_SECONDS) ?? 10;
    const inFlight = integer('--in-flight', values['in-flight'], 8, 1, 1000);
    // A batch is identified by its gateway and seq: a rerun starting again at 1 would be taken for
    // redelivery and not stored. So by default seq starts at the clock in microseconds (ms × 1000),
    // past any earlier run's: a gateway sends far fewer than 1,000 batches a millisecond.
    const firstSeq = integer('--first-seq', values['first-seq'], Date.now() * 1000, 1, Number.MAX_SAFE_INTEGER - 1e9);
    const secrets = values.credentials !== undefined ? readCredentials(values.credentials) : undefined;
    const url = values['mqtt-url'] ?? 'mqtt://127.0.0.1:1883';
    const gateways = gatewaysOf(site);
    const gen = await LoadGenerator.connect({
      url,
      gateways,
      firstSeq,
      seed: values.seed ?? 'load',
      credentials: (g) => gatewayLogin(secrets, g.enterpriseId, g.gatewayId),
    }).catch((e: unknown) => {
      throw new Error(`cannot connect the gateways to ${url}: ${(e as Error).message}`);
    });
    let result: LoadResult;
    try {
      // One batch per gateway carries one reading per workshop: R readings per workshop per second is R batches per gateway.
      result = await gen.run({ durationMs: seconds * 1000, inFlight, ...(ratePerWorkshop !== undefined ? { batchesPerSecond: ratePerWorkshop * gateways.length } : {}) });
    } finally {
      await gen.close();
    }
    const loop = ratePerWorkshop === undefined ? 'closed loop' : `${ratePerWorkshop} reading(s)/s per workshop`;
    if (values.json) out(`${JSON.stringify({ url, enterprises, workshops, mode: loop, seconds, inFlight, firstSeq, ...result })}\n`);
    else {
      out(`load: ${result.gateways} gateways (${enterprises} enterprise(s) × ${workshops} workshops), ${loop}, ${inFlight} in flight, ${seconds} s, ${url}\n`);
      out(`batches: ${result.batches} sent, ${result.acked} acknowledged, ${result.failed} failed, ${result.behind} behind schedule\n`);
      out(`${result.batchesPerSecond} batches/s, ${result.readingsPerSecond} readings/s; PUBACK after p50 ${result.ackMs.p50} ms, p99 ${result.ackMs.p99} ms, max ${result.ackMs.max} ms\n`);
    }
    if (result.acked === 0 || result.failed > 0) {
      err(result.acked === 0 ? 'hazwatch-agent load: nothing was acknowledged\n' : `hazwatch-agent load: ${result.failed} batch(es) failed\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`hazwatch-agent: ${(e as Error).message}\n${usage}\n`);
      return 2;
    }
    err(`hazwatch-agent load: ${(e as Error).message}\n`);
    return 1;
  }
}
