import { useState } from 'preact/hooks';
import { withQuery } from '../api/client.ts';
import type { SiteEnterprise } from '../api/shapes.ts';
import { useI18n } from '../hooks.ts';

const TABLES = ['summary', 'by-type-level', 'handling', 'blind', 'shelving', 'limit-changes', 'open-rectifications', 'alarms'] as const;

/** 导出: the alarm list as CSV and the period reports (HTML, PDF, CSV tables) of the region and of each enterprise. */
export function Exports({ region, enterprises }: { region: string | null; enterprises: readonly SiteEnterprise[] }) {
  const { t } = useI18n();
  const [period, setPeriod] = useState(() => new Date().toISOString().slice(0, 7));
  const valid = /^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$/.test(period);
  const report = (path: string) => (
    <span class="report-links">
      <a href={`${path}?format=html`} target="_blank" rel="noopener" data-testid={`report-html-${path.split('/')[4]}`}>HTML</a>
      <a href={`${path}?format=pdf`} download>PDF</a>
      <a href={`${path}?format=json`} download>JSON</a>
      <select aria-label="CSV" onChange={(e) => { if (e.currentTarget.value) location.href = withQuery(path, { format: 'csv', table: e.currentTarget.value }); e.currentTarget.value = ''; }}>
        <option value="">CSV…</option>
        {TABLES.map((x) => (
          <option key={x} value={x}>{x}</option>
        ))}
      </select>
    </span>
  );
  return (
    <section class="panel exports" data-testid="exports">
      <p>
        <a class="button" href={withQuery('/api/v1/alarms/export.csv', region ? { region } : {})} download data-testid="export-alarms-csv">
          {t('export.csv')}
        </a>
      </p>
      <label>
        {t('export.period')}
        <input value={period} data-testid="export-period" pattern="\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?" onInput={(e) => setPeriod(e.currentTarget.value.trim())} />
        <small class="muted">{t('export.periodHint')}</small>
      </label>
      {valid && (
        <table class="data-table">
          <tbody>
            {region && (
              <tr>
                <th>{t('export.regionReport', { region })}</th>
                <td>{report(`/api/v1/reports/regions/${encodeURIComponent(region)}/${period}`)}</td>
              </tr>
            )}
            {enterprises.map((e) => (
              <tr key={e.id}>
                <th>{e.name}</th>
                <td>{report(`/api/v1/reports/enterprises/${encodeURIComponent(e.id)}/${period}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
