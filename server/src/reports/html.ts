import type { AlarmLevel, AlarmReason, AlarmType } from '@hazwatch/protocols';
import { LEVEL_ZH, PERIOD_ZH, REASON_ZH, STATE_ZH, TYPE_ZH } from './labels.ts';
import type { EnterpriseSection, HandlingRow, Report, Summary, TypeLevelRow } from './types.ts';

/** The alarm list of a printed section stops here; the CSV has every row. */
export const PRINTED_ALARM_ROWS = 500;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (v: number | null) => (v === null ? '—' : String(v));
const two = (zh: string, en: string) => `<span class="zh">${esc(zh)}</span> <span class="en">${esc(en)}</span>`;
const type = (t: AlarmType | 'all') => (t === 'all' ? two('合计', 'all') : two(TYPE_ZH[t], t));
const reason = (r: AlarmReason | null) => (r === null ? '—' : two(REASON_ZH[r], r));
const level = (l: AlarmLevel) => two(LEVEL_ZH[l], l);

function localTime(t: string | null, timeZone: string): string {
  if (t === null) return '—';
  // sv-SE writes dates as YYYY-MM-DD HH:MM:SS.
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(Date.parse(t));
}

function table(head: string[], rows: string[][], cls = ''): string {
  if (rows.length === 0) return '<p class="none">无 None</p>';
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function summaryTable(s: Summary): string {
  const rows: [string, string, number][] = [
    ['告警总数', 'alarms', s.alarms],
    ['预警', 'warnings', s.warnings],
    ['报警', 'alarm level', s.alarmLevel],
    ['升级', 'escalated', s.escalated],
    ['迟报', 'late', s.late],
    ['未消除', 'ongoing', s.ongoing],
    ['已确认', 'acknowledged', s.acknowledged],
    ['已闭环', 'closed', s.closed],
    ['屏蔽次数', 'shelved', s.shelved],
    ['不可核验工房分钟', 'blind workshop-minutes', s.blindWorkshopMinutes],
    ['限值变更', 'limit changes', s.limitChanges],
    ['未闭环整改', 'open rectifications', s.openRectifications],
  ];
  return table(['项目 Item', '数值 Value'], rows.map(([zh, en, v]) => [two(zh, en), num(v)]), 'kv');
}

function typeLevelTable(rows: readonly TypeLevelRow[]): string {
  return table(
    ['类型 Type', '原因 Reason', '级别 Level', '次数 Count', '已消除 Cleared', '未消除 Ongoing', '总时长 Total min', '平均 Mean min', '最长 Max min'],
    rows.map((r) => [type(r.type), reason(r.reason), level(r.level), num(r.count), num(r.cleared), num(r.ongoing), num(r.totalMinutes), num(r.meanMinutes), num(r.maxMinutes)]),
  );
}

function handlingTable(rows: readonly HandlingRow[]): string {
  return table(
    ['类型 Type', '次数 Count', '已确认 Acknowledged', '确认平均 Mean ack min', '确认最长 Max ack min', '已闭环 Closed', '闭环平均 Mean close min', '闭环最长 Max close min'],
    rows.map((r) => [type(r.type), num(r.count), num(r.acknowledged), num(r.meanAckMinutes), num(r.maxAckMinutes), num(r.closed), num(r.meanCloseMinutes), num(r.maxCloseMinutes)]),
  );
}

function section(s: EnterpriseSection, withTotals: boolean): string {
  const tz = s.enterprise.timezone;
  const t = (x: string | null) => localTime(x, tz);
  const printed = s.alarms.slice(0, PRINTED_ALARM_ROWS);
  return `<section class="enterprise">
<h2>${esc(s.enterprise.name)} <span class="en">${esc(s.enterprise.id)} · ${esc(s.enterprise.region)}</span></h2>
<p class="meta">报告期 Period: ${t(s.from)} – ${t(s.to)} (${esc(tz)}) · 截至 As of: ${t(s.asOf)}</p>
${withTotals ? `<h3>概况 Summary</h3>${summaryTable(s.summary)}<h3>按类型与级别 Alarms by type and level</h3>${typeLevelTable(s.byTypeLevel)}<h3>处置时效 Time to acknowledge and close</h3>${handlingTable(s.handling)}` : ''}
<h3>不可核验时长 Unverifiable (blind) minutes per workshop</h3>
${table(['工房 Workshop', '网关 Gateway', '离线分钟 Offline min', '传感器故障分钟 Sensor-fault min'], s.blind.map((b) => [two(b.name, b.workshopId), esc(b.gatewayId ?? '—'), num(b.offlineMinutes), num(b.sensorFaultMinutes)]))}
<h3>屏蔽 Shelving used</h3>
${table(['时间 At', '告警 Alarm', '类型 Type', '对象 Subject', '操作人 By', '至 Until', '原因 Note'], s.shelving.map((r) => [t(r.at), esc(r.alarmId), type(r.type), esc(r.subject), esc(r.by ?? '—'), t(r.until), esc(r.note ?? '—')]))}
<h3>限值变更 Limit changes</h3>
${table(['版本 Revision', '时间 At', '修改人 By', '对象 Subject', '项 Field', '原值 From', '新值 To'], s.limitChanges.map((r) => [num(r.revision), t(r.changedAt), esc(r.changedBy), esc(r.subject), esc(r.field), esc(String(r.from ?? '—')), esc(String(r.to ?? '—'))]))}
<h3>未闭环整改 Open rectifications</h3>
${table(['告警 Alarm', '类型 Type', '级别 Level', '对象 Subject', '发生 Raised', '消除 Cleared', '状态 State'], s.openRectifications.map((r) => [esc(r.alarmId), type(r.type), level(r.level), esc(r.subject), t(r.raisedAt), t(r.clearedAt), two(STATE_ZH[r.state], r.state)]))}
<h3>告警明细 Alarms raised in the period</h3>
${s.alarms.length > printed.length ? `<p class="note">仅列前 ${printed.length} 条,共 ${s.alarms.length} 条;完整列表见 CSV。 The first ${printed.length} of ${s.alarms.length}; the CSV has all.</p>` : ''}
${table(
  ['告警 Alarm', '类型 Type', '原因 Reason', '级别 Level', '对象 Subject', '值/限值 Value/limit', '发生 Raised', '时长 Min', '确认 Ack min', '闭环 Close min'],
  printed.map((a) => [esc(a.id), type(a.type), reason(a.reason), level(a.level), esc(a.subject), `${num(a.peak ?? a.value)} / ${num(a.limit)}`, t(a.raisedAt), num(a.durationMinutes), num(a.ackMinutes), num(a.closeMinutes)]),
  'alarms',
)}
</section>`;
}

const CSS = `
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 9.5pt; color: #111; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
h2 { font-size: 12.5pt; margin: 14pt 0 2pt; border-bottom: 1.5pt solid #333; padding-bottom: 2pt; }
h3 { font-size: 10.5pt; margin: 10pt 0 3pt; }
.en { color: #555; font-size: 0.88em; }
.meta, .note, .none { color: #444; margin: 2pt 0; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0 6pt; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
table.kv { width: auto; min-width: 50%; }
table.alarms { font-size: 8pt; }
footer { margin-top: 16pt; border-top: 1pt solid #333; padding-top: 4pt; font-size: 8pt; color: #333; word-break: break-all; }
`;

/** The report as one self-contained HTML page (printable; the PDF is this page printed by Chromium). The JSON is embedded for machines. */
export function reportHtml(r: Report): string {
  const first = r.enterprises[0]!;
  const heading = `${esc(r.title)} — 民爆 1.1 级工房安全监控${PERIOD_ZH[r.period.kind]} ${esc(r.period.label)}`;
  const body =
    r.kind === 'enterprise'
      ? section(first, true)
      : `<h2>辖区合计 Region totals <span class="en">${esc(r.scope)}</span></h2>
<h3>概况 Summary</h3>${summaryTable(r.summary)}
<h3>按类型与级别 Alarms by type and level</h3>${typeLevelTable(r.byTypeLevel)}
<h3>处置时效 Time to acknowledge and close</h3>${handlingTable(r.handling)}
<h3>各企业 Enterprises</h3>
${table(['企业 Enterprise', '告警 Alarms', '报警 Alarm level', '未闭环 Open', '不可核验分钟 Blind min'], r.enterprises.map((s) => [two(s.enterprise.name, s.enterprise.id), num(s.summary.alarms), num(s.summary.alarmLevel), num(s.summary.openRectifications), num(s.summary.blindWorkshopMinutes)]))}
${r.enterprises.map((s) => section(s, true)).join('\n')}`;
  const ledger = r.ledger ? `账本头 Ledger head: seq ${r.ledger.seq}, hash ${esc(r.ledger.hash)}` : '账本头 Ledger head: 不可用 unavailable (no hash-chained ledger)';
  const json = JSON.stringify(r).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${heading}</title><style>${CSS}</style></head>
<body>
<h1>${heading}</h1>
<p class="meta">${esc(r.kind === 'enterprise' ? `企业 Enterprise ${r.scope}` : `辖区 Region ${r.scope}`)} · 生成 Generated: ${localTime(r.generatedAt, first.enterprise.timezone)} (${esc(first.enterprise.timezone)}) · 格式 Format: ${esc(r.format)}</p>
<p class="note">告警时长自发生至消除;确认与闭环用时自平台发现起算;均按记录所载时刻,未消除者不计时长。Durations run from raising to clearing; time to acknowledge and to close from detection; as recorded; ongoing alarms have none.</p>
${body}
<footer>
<div>可核验 Verifiable: ${ledger}</div>
<div>报告摘要 Report digest (sha256 of the canonical JSON): ${r.digest}</div>
</footer>
<script type="application/json" id="hazwatch-report">${json}</script>
</body></html>
`;
}
