import { useState } from 'preact/hooks';
import { withQuery, type Query } from '../api/client.ts';
import { checkStats, type Durations } from '../api/shapes.ts';
import { formatDuration } from '../format.ts';
import { useI18n, useResource, useServices } from '../hooks.ts';
import { typeKey } from '../model/alarms.ts';
import { byMonth } from '../model/history.ts';
import { BarChart } from './bar-chart.tsx';
import { LoadError } from './forbidden.tsx';

/** 统计: alarms by type, enterprise and month; time to acknowledge and to close (from /alarms/stats). */
export function StatsCharts({ scope, names }: { scope: Query; names: ReadonlyMap<string, string> }) {
  const { t } = useI18n();
  const { api } = useServices();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const q: Query = { ...scope, from: from ? new Date(`${from}T00:00:00`).getTime() : undefined, to: to ? new Date(`${to}T00:00:00`).getTime() + 86_400_000 : undefined };
  const r = useResource(`stats|${JSON.stringify(q)}`, () => api.get(withQuery('/api/v1/alarms/stats', q)).then((b) => checkStats(b, 'stats')));
  const s = r.data;
  const sec = (n: number) => formatDuration(n * 1000, t);
  // None measured: no bars (not three bars of 0 s, which would read as acknowledged at once).
  const durations = (d: Durations, label: string) => d.count === 0 ? [] : [
    { key: `${label}-median`, label: t('stats.median'), value: d.medianSeconds ?? 0 },
    { key: `${label}-p90`, label: t('stats.p90'), value: d.p90Seconds ?? 0 },
    { key: `${label}-max`, label: t('stats.max'), value: d.maxSeconds ?? 0 },
  ];
  return (
    <section class="panel stats" data-testid="stats">
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('filter.from')}
          <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t('filter.to')}
          <input type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        {s && (
          <span class="stats-total" data-testid="stats-total" data-total={s.total}>
            {t('stats.total', { total: s.total, closed: s.closed })}
          </span>
        )}
      </form>
      {r.error && <LoadError error={r.error} />}
      {s && (
        <div class="chart-grid">
          <BarChart
            testId="chart-by-type"
            title={t('stats.byType')}
            bars={Object.entries(s.byType).map(([k, v]) => {
              const tk = typeKey(k);
              return { key: k, label: tk ? t(tk) : k, value: v };
            })}
          />
          <BarChart testId="chart-by-enterprise" title={t('stats.byEnterprise')} bars={Object.entries(s.byEnterprise).map(([k, v]) => ({ key: k, label: names.get(k) ?? k, value: v }))} />
          <BarChart testId="chart-by-month" title={t('stats.byMonth')} bars={byMonth(s.byDay).map(([k, v]) => ({ key: k, label: k, value: v }))} />
          <BarChart testId="chart-ack" title={t('stats.timeToAck', { n: s.timeToAcknowledge.count })} bars={durations(s.timeToAcknowledge, 'ack')} format={sec} />
          <BarChart testId="chart-close" title={t('stats.timeToClose', { n: s.timeToClose.count })} bars={durations(s.timeToClose, 'close')} format={sec} />
        </div>
      )}
    </section>
  );
}
