// `npm run faults`: the fault suite (faults/suite.ts), bounded, loopback only. Prints the report and
// writes it to test-results/faults.json (or --out=FILE); exits 1 unless nothing was lost, nothing
// duplicated, and every expected alarm was raised with none extra.
//   --smoke        a short run for CI (a minute of simulated time per phase, 240× faster than real)
//   --speed=N      simulated seconds per wall second (default 60)
//   --cut-minutes=N  the gateway's network cut, simulated minutes (default 60)
//   --seed=S
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../bench/lib/procs.ts';
import { HAVE_INFLUXD } from '../server/test/infra.ts';
import { HAVE_MOSQUITTO } from './mosquitto.ts';
import { runFaults } from './suite.ts';

const args = process.argv.slice(2);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const smoke = args.includes('--smoke');
if (!HAVE_MOSQUITTO || !HAVE_INFLUXD) {
  console.error('faults: needs /usr/sbin/mosquitto and /usr/bin/influxd (Debian packages mosquitto and influxdb)');
  process.exit(2);
}
const report = await runFaults({
  speed: Number(value('speed') ?? (smoke ? 240 : 60)),
  warmupMinutes: smoke ? 1 : 3,
  gapMinutes: smoke ? 1 : 4,
  // Longer than the site's offlineAfterSeconds (10 min), so the cut gateway must be seen offline.
  cutMinutes: Number(value('cut-minutes') ?? (smoke ? 11 : 60)),
  settleMinutes: smoke ? 1 : 5,
  seed: value('seed') ?? 'faults',
  log: (line) => console.error(line),
});
const out = value('out') ?? join(ROOT, 'test-results', smoke ? 'faults-smoke.json' : 'faults.json');
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
const a = report.alarms;
console.log(
  [
    `readings: ${report.readings.sent} sent, ${report.readings.stored} stored, ${report.readings.duplicated} duplicated, ${report.readings.lost} lost`,
    `batches: ${report.batches.taken} taken by the agents, ${report.batches.seenOnWire} on the wire, ${report.batches.droppedBySpool} dropped by a spool`,
    `alarms: ${a.expected} expected, ${a.raised} raised, ${a.missed.length} missed, ${a.extra.length} extra, ${a.mistimed.length} at other instants than the script implies`,
    ...a.missed.map((e) => `  missed: ${e.why}`),
    ...a.extra.map((x) => `  extra: ${x.type} ${JSON.stringify(x.subject)} raised ${x.raisedAt} cleared ${x.clearedAt}`),
    ...a.mistimed.map((x) => `  other instant: ${x.expected.why}: raised ${x.got.raisedAt} (expected ${new Date(x.expected.raisedAt!).toISOString()}), cleared ${x.got.clearedAt}`),
    `faults: ${report.ok ? 'PASS' : 'FAIL'} (report in ${out})`,
  ].join('\n'),
);
process.exitCode = report.ok ? 0 : 1;
