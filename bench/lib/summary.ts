// The Markdown summary of one bench run: each figure beside its anchor and the issue's target.
/* eslint-disable @typescript-eslint/no-explicit-any -- results are the bench's own JSON */

export function summarise(r: Record<string, any>): string {
  const m = r.machine;
  const out: string[] = [
    `### Run of ${r.started} (${r.mode})`,
    '',
    `Machine: ${m.cores} cores, ${m.memoryMB} MB, ${m.cpu}; ${m.platform}; Node ${m.node}; load average at start ${m.loadAverageAtStart.join(' ')}.`,
    `Command: \`${r.command}\``,
    '',
    '| figure | hazwatch | anchor | target |',
    '|---|---|---|---|',
  ];
  const row = (a: string, b: string, c: string, d: string) => out.push(`| ${a} | ${b} | ${c} | ${d} |`);
  const i = r.ingest;
  if (i) {
    const raw = i.rawAedes;
    // Results before the second anchor (2026-11-29T20:10Z) have none.
    const roomy = i.rawAedesRoomy;
    const vsRoomy = (v: number | undefined) => (roomy && v !== undefined ? `, ${pct(v)} of aedes with room` : '');
    const roomyCell = roomy ? `; aedes with room (concurrency ${roomy.concurrency ?? "?"}): ${roomy.batchesPerSecond} batches/s (median of ${i.rawAedesRoomyRuns.length} runs: ${i.rawAedesRoomyRuns.join(', ')})${cpu(roomy)}` : '';
    row(`ingest, SQLite (${i.sqlite.gateways} gateways × 10 workshops, closed loop)`, `${i.sqlite.batchesPerSecond} batches/s, ${i.sqlite.readingsPerSecond} readings/s (${pct(i.sqliteVsRaw)} of raw${vsRoomy(i.sqliteVsRoomy)})${cpu(i.sqlite)}`, `raw aedes QoS 1: ${raw.batchesPerSecond} batches/s, ${raw.readingsPerSecond} readings/s${i.rawAedesRuns ? ` (median of ${i.rawAedesRuns.length} runs: ${i.rawAedesRuns.join(', ')} batches/s)` : ''}${cpu(raw)}${roomyCell}`, '≥ 50 % of raw');
    if (typeof i.influxdb === 'object') {
      row('ingest, InfluxDB 1.6 (acknowledged = in the durable spool)', `${i.influxdb.batchesPerSecond} batches/s, ${i.influxdb.readingsPerSecond} readings/s (${pct(i.influxdbVsRaw)} of raw${vsRoomy(i.influxdbVsRoomy)}); InfluxDB caught up ${i.influxdb.influxDrainMs} ms after the load${cpu(i.influxdb)}`, i.influxRaw.map((x: any) => `${x.label}: ${x.pointsPerSecond} points/s`).join('; '), '≥ 50 % of raw');
    }
  }
  const l = r.latency;
  if (l) {
    l.hazwatch.forEach((h: any, k: number) => {
      const a = l.rawAedes[k];
      row(`alarm latency at ${Math.round(h.level * 100)} % load (${h.batchesPerSecond} batches/s), ${h.alarmMs.samples} probes`, `p50 ${h.alarmMs.p50} ms, p99 ${h.alarmMs.p99} ms, max ${h.alarmMs.max} ms`, `raw aedes publish→receive: p50 ${a.receiveMs.p50}, p99 ${a.receiveMs.p99}, max ${a.receiveMs.max} ms`, h.level === 0.5 ? 'p99 < 100 ms' : '');
    });
  }
  for (const e of r.engine ?? []) row(`rule engine alone, ${e.workshops} workshops, change rate ${e.changeRate}${e.views === 'none' ? ', no dashboard watching (no live views made)' : ''}`, `${e.readingsPerSecond} readings/s`, '—', '> 500,000 readings/s');
  for (const x of r.memory ?? []) row(`resident memory, ${x.workshops} workshops at 1 Hz for ${x.options.seconds} s`, `${x.rssMB} MB (median over the second half ${x.lateMedianRssMB ?? '—'}, idle ${x.idleRssMB}, peak under load ${x.peakRssMB}, peak at start ${x.startPeakRssMB ?? '—'}), growth ${x.growthMBPerMinute} MB/min over the second half`, '—', x.workshops >= 10_000 ? '< 200 MB, no growth' : 'no growth');
  const s = r.startup;
  if (s) row(`start, ${s.workshops} workshops, ${s.activeAlarms} active alarms`, `ready ${s.readyMs} ms, live state restored ${s.restoredMs} ms`, '—', 'ready < 5 s');
  const v = r.revision;
  if (v) {
    const one = v.oneEnterprise;
    row(`site revision, ${v.workshops} workshops, one enterprise's limit changed (${one.rounds.length} rounds)`, `PUT /api/v1/site ${one.medianResponseMs} ms, longest event-loop block ${one.medianLongestBlockMs} ms (median; max ${one.maxLongestBlockMs})`, '—', '');
    row(`site revision, ${v.workshops} workshops, the defaults changed (every enterprise rebuilt)`, `PUT /api/v1/site ${v.defaults.responseMs} ms, longest event-loop block ${v.defaults.longestBlockMs} ms`, '—', '');
  }
  for (const [k, v] of Object.entries(r)) if (k.endsWith('Error')) row(k.slice(0, -'Error'.length), `FAILED: ${String(v).split('\n')[0]}`, '', '');
  out.push('');
  return out.join('\n');
}

/** CPU time per batch of each process in the run, when measured (since 2026-11-29T17:00). */
function cpu(run: any): string {
  const c = run?.cpuMicrosPerBatch as Record<string, number> | undefined;
  if (!c) return '';
  const list = (x: Record<string, number>) => Object.entries(x).map(([name, us]) => `${name} ${us} µs`).join(', ');
  const settled = run.cpuMicrosPerBatchSettled as Record<string, number> | undefined;
  return `; CPU per batch during the load: ${list(c)}${settled ? `; until InfluxDB caught up: ${list(settled)}` : ''}`;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10} %`;
}
