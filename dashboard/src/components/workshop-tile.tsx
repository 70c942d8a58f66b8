import type { LineLive, WorkshopLive } from '@hazwatch/protocols';
import { formatAge, formatDuration, formatKg } from '../format.ts';
import { useI18n } from '../hooks.ts';
import { href } from '../router.tsx';
import { fillRatio, shownHeadcount, tileAlert, tileStatus } from '../model/status.ts';

/** Above this, the data age turns amber: a 1 Hz gateway that has been quiet this long deserves a look. */
const AGE_WARN_MS = 30_000;
const MAX_PERSONS_SHOWN = 4;
/** The badge's words (tileAlert): staffing's and the explosive's. */
const BADGE = {
  over: 'status.over', qover: 'qstatus.over', full: 'status.full', qwarning: 'qstatus.warning', unverifiable: 'status.unverifiable', normal: 'status.normal',
} as const;

export function WorkshopTile({ w, lines, now }: { w: WorkshopLive; lines: ReadonlyMap<string, LineLive>; now: number }) {
  const { t } = useI18n();
  const status = tileStatus(w);
  const alert = tileAlert(w);
  const head = shownHeadcount(w);
  const shared = w.lines.length > 1;
  const age = w.updatedAt === null ? null : now - Date.parse(w.updatedAt);
  const kindKey = w.kind === 'transfer-platform' ? 'tile.kind.transfer-platform' : w.kind === 'storage' ? 'tile.kind.storage' : null;
  const qStatus = w.quantityStatus;

  return (
    <article
      class={`tile status-${alert.status}`}
      data-testid={`tile-${w.workshopId}`}
      data-status={status}
      data-alert={alert.status}
      data-quantity-status={qStatus}
      data-stale-label={t('stale.label')}
    >
      <header class="tile-head">
        <h4 class="tile-name">
          <a href={href(`/workshops/${encodeURIComponent(w.enterpriseId)}/${encodeURIComponent(w.workshopId)}`)} data-testid={`open-${w.workshopId}`}>
            {w.name}
          </a>
        </h4>
        <span class={`status-badge status-${alert.status}`} data-testid={`status-${w.workshopId}`}>
          {alert.words.map((x) => t(BADGE[x])).join('·')}
        </span>
      </header>
      <div class="tile-meta">
        <span class="hazard">{t('tile.hazardClass', { cls: w.hazardClass })}</span>
        {kindKey && <span>{t(kindKey)}</span>}
        {shared && <span class="tag">{t('tile.sharedBadge')}</span>}
      </div>

      <div class="measure">
        <span class="measure-label">{t('tile.headcount')}</span>
        <span class="measure-value" data-testid={`headcount-${w.workshopId}`}>
          <strong class={head.lastKnown ? 'unknown' : ''}>{head.value === null ? '?' : head.value}</strong>
          <span class="limit">
            {' / '}
            {w.staffingLimit ?? '—'} <small>{t('tile.staffingLimit')}</small>
          </span>
        </span>
        {w.headcount === null && (
          <span class="measure-note">{head.lastKnown ? t('tile.lastKnown', { value: head.value! }) : t('tile.unknown')}</span>
        )}
        <Bar ratio={fillRatio(head.value, w.staffingLimit)} cls={status} />
      </div>

      <div class={`measure quantity q-${qStatus}`}>
        <span class="measure-label">{t('tile.quantity')}</span>
        <span class="measure-value" data-testid={`quantity-${w.workshopId}`}>
          <strong>{w.materialKg === null ? '?' : formatKg(w.materialKg)}</strong>
          <span class="limit">
            {' / '}
            {w.quantityLimitKg === null ? '—' : formatKg(w.quantityLimitKg)} kg <small>{t('tile.quantityLimit')}</small>
          </span>
        </span>
        {qStatus === 'warning' || qStatus === 'over' ? <span class={`q-badge q-${qStatus}`}>{t(`qstatus.${qStatus}`)}</span> : null}
        {w.materialKg === null && <span class="measure-note">{t('tile.unknown')}</span>}
        <Bar ratio={fillRatio(w.materialKg, w.quantityLimitKg)} cls={qStatus} warnAt={fillRatio(w.quantityWarnKg, w.quantityLimitKg)} />
      </div>

      {shared && (
        <div class="by-line">
          <span class="measure-label">{t('tile.byLine')}</span>
          <ul>
            {w.lines.map((lineId) => {
              const n = w.byLine[lineId];
              const limit = w.lineStaffingLimits[lineId];
              const over = n !== undefined && limit !== undefined && n > limit;
              return (
                <li key={lineId} class={over ? 'over' : ''} data-testid={`byline-${w.workshopId}-${lineId}`}>
                  <span>{lines.get(`${w.enterpriseId}|${lineId}`)?.name ?? lineId}</span>
                  <strong>
                    {n ?? '?'}
                    {limit !== undefined && ` / ${limit}`}
                  </strong>
                </li>
              );
            })}
          </ul>
        </div>
      )}

      <div class="persons">
        <span class="measure-label">{t('tile.persons')}</span>
        {w.persons.length === 0 ? (
          <span class="persons-none">{t('tile.personsNone')}</span>
        ) : (
          <ul>
            {longestFirst(w.persons)
              .slice(0, MAX_PERSONS_SHOWN)
              .map((p) => (
                <li key={p.id}>
                  <span class="person-id">{p.id}</span>
                  <span class="person-dwell">{formatDuration(now - Date.parse(p.since), t)}</span>
                </li>
              ))}
            {w.persons.length > MAX_PERSONS_SHOWN && <li class="more">{t('tile.personsMore', { count: w.persons.length - MAX_PERSONS_SHOWN })}</li>}
          </ul>
        )}
      </div>

      <footer class={age !== null && age > AGE_WARN_MS ? 'tile-age old' : 'tile-age'} data-testid={`age-${w.workshopId}`}>
        {age === null ? t('tile.ageNever') : t('tile.age', { age: formatAge(age, t) })}
      </footer>
    </article>
  );
}

/** The longest stays matter most for 超时, so they are the ones that stay visible. */
function longestFirst<T extends { since: string }>(persons: readonly T[]): T[] {
  return [...persons].sort((a, b) => Date.parse(a.since) - Date.parse(b.since));
}

function Bar({ ratio, cls, warnAt }: { ratio: number | null; cls: string; warnAt?: number | null }) {
  if (ratio === null) return null;
  return (
    <div class={`bar bar-${cls}`} aria-hidden="true">
      <div class="bar-fill" style={{ width: `${Math.min(100, ratio * 100)}%` }} />
      {warnAt != null && <div class="bar-warn" style={{ left: `${warnAt * 100}%` }} />}
    </div>
  );
}
