import { useEffect, useState } from 'preact/hooks';
import type { AlarmRecord } from '@hazwatch/protocols';
import { withQuery } from '../api/client.ts';
import { checkBuckets } from '../api/shapes.ts';
import { useEnterpriseAccess } from '../auth/access.ts';
import { AlarmTable } from '../components/alarm-table.tsx';
import { Forbidden, LoadError } from '../components/forbidden.tsx';
import { TrendChart, type TrendPoint } from '../components/trend-chart.tsx';
import { WorkshopTile } from '../components/workshop-tile.tsx';
import { useI18n, useLiveState, useNow, useResource, useServices } from '../hooks.ts';
import { checkAlarm, checkList } from '../live/guards.ts';
import { isActive } from '../live/store.ts';
import { mergeAlarms } from '../model/history.ts';
import type { RouteParams } from '../router.tsx';

/** History windows: the bucket width keeps every chart near 360 points, whatever the span. */
const RANGES = [
  { hours: 1 / 6, intervalSeconds: 2 },
  { hours: 1, intervalSeconds: 10 },
  { hours: 8, intervalSeconds: 60 },
  { hours: 24, intervalSeconds: 240 },
] as const;

type History = { headcount: TrendPoint[]; materialKg: TrendPoint[]; alarms: AlarmRecord[] };

/** 工房详情: live trends of headcount and explosive against their limits, history and alarms. */
export function WorkshopDetail({ params }: { params: RouteParams }) {
  const enterpriseId = params.enterpriseId!;
  const workshopId = params.workshopId!;
  const access = useEnterpriseAccess(enterpriseId);
  const { t } = useI18n();
  if (access === 'loading') return <p class="loading">{t('common.loading')}</p>;
  if (access === 'forbidden') return <Forbidden what={enterpriseId} />;
  return <Detail enterpriseId={enterpriseId} workshopId={workshopId} />;
}

function Detail({ enterpriseId, workshopId }: { enterpriseId: string; workshopId: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const live = useLiveState();
  const now = useNow() + live.serverOffsetMs;
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[0]);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());
  const w = live.workshops.get(`${enterpriseId}|${workshopId}`);

  const history = useResource<History>(`${enterpriseId}|${workshopId}|${range.hours}|${loadedAt}`, async () => {
    // Highest value per bucket: a limit crossed for a moment must show on the chart.
    const series = (field: 'headcount' | 'materialKg') =>
      api
        .get(`/api/v1/telemetry/workshops/${encodeURIComponent(workshopId)}`, {
          enterpriseId,
          from: loadedAt - range.hours * 3_600_000,
          to: loadedAt,
          intervalSeconds: range.intervalSeconds,
          field,
        })
        .then((b) => checkBuckets(b, field).map((x) => ({ t: Date.parse(x.start) / 1000, v: x.max })));
    const [headcount, materialKg, alarms] = await Promise.all([
      series('headcount'),
      series('materialKg'),
      api.get(withQuery('/api/v1/alarms', { enterpriseId, workshopId, limit: 200 })).then((b) => checkList(b, 'alarms', checkAlarm)),
    ]);
    return { headcount, materialKg, alarms };
  });

  // Live points after the history: every pushed update of this workshop (socket.io, no polling).
  const [livePoints, setLivePoints] = useState<{ key: string; headcount: TrendPoint[]; materialKg: TrendPoint[] }>({ key: '', headcount: [], materialKg: [] });
  const key = `${enterpriseId}|${workshopId}|${range.hours}|${loadedAt}`;
  useEffect(() => {
    if (!w?.updatedAt) return;
    const at = Date.parse(w.updatedAt) / 1000;
    setLivePoints((p) => {
      const base = p.key === key ? p : { key, headcount: [], materialKg: [] };
      if (base.headcount.at(-1)?.t === at) return base;
      return { key, headcount: [...base.headcount, { t: at, v: w.headcount }].slice(-5000), materialKg: [...base.materialKg, { t: at, v: w.materialKg }].slice(-5000) };
    });
  }, [w?.updatedAt, key]);

  const from = (loadedAt - range.hours * 3_600_000) / 1000;
  const to = Math.max(loadedAt, now) / 1000;
  const pointsOf = (field: 'headcount' | 'materialKg') => {
    const hist = history.data?.[field] ?? [];
    const lastHist = hist.at(-1)?.t ?? -Infinity;
    const extra = livePoints.key === key ? livePoints[field].filter((p) => p.t > lastHist) : [];
    return [...hist, ...extra];
  };
  const alarms = mergeAlarms(history.data?.alarms ?? [], live.alarms.values(), (a) => a.enterpriseId === enterpriseId && a.subject.workshopId === workshopId);
  const active = alarms.filter(isActive).length;

  return (
    <div class="detail" data-testid="workshop-detail">
      <header class="view-head">
        <h2>
          {w?.name ?? workshopId} <small class="muted">{enterpriseId}</small>
        </h2>
        <div class="segmented" role="group">
          {RANGES.map((r) => (
            <button type="button" key={r.hours} class={r === range ? 'current' : ''} data-testid={`range-${Math.round(r.hours * 60)}m`} onClick={() => { setRange(r); setLoadedAt(Date.now()); }}>
              {r.hours < 1 ? t('detail.minutes', { n: Math.round(r.hours * 60) }) : t('detail.hours', { n: r.hours })}
            </button>
          ))}
        </div>
      </header>
      <div class="detail-grid">
        <div class="detail-tile">{w ? <WorkshopTile w={w} lines={live.lines} now={now} /> : <p class="empty">{t('tile.ageNever')}</p>}</div>
        <div class="detail-charts">
          {history.error && <LoadError error={history.error} />}
          <TrendChart
            testId="trend-headcount"
            title={t('tile.headcount')}
            unit={t('unit.persons')}
            points={pointsOf('headcount')}
            limit={w?.staffingLimit ?? null}
            limitLabel={t('tile.staffingLimit')}
            from={from}
            to={to}
          />
          <TrendChart
            testId="trend-quantity"
            title={t('tile.quantity')}
            unit="kg"
            points={pointsOf('materialKg')}
            limit={w?.quantityLimitKg ?? null}
            warn={w?.quantityWarnKg ?? null}
            limitLabel={t('tile.quantityLimit')}
            warnLabel={t('level.warning')}
            from={from}
            to={to}
          />
        </div>
      </div>
      <section class="panel">
        <h3 class="panel-title">
          {t('detail.alarms')} <span class="alarm-count">{t('detail.activeCount', { count: active })}</span>
        </h3>
        <AlarmTable alarms={alarms} testId="workshop-alarms" />
      </section>
    </div>
  );
}
