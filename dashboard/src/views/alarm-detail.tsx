import { checkAlarmDetail } from '../api/shapes.ts';
import { ApiError } from '../api/client.ts';
import { AlarmActions } from '../components/alarm-actions.tsx';
import { Forbidden, LoadError } from '../components/forbidden.tsx';
import { formatNumber, formatTime } from '../format.ts';
import { useI18n, useLiveState, useResource, useServices } from '../hooks.ts';
import { reasonKey, subjectParts, typeKey, valueUnit } from '../model/alarms.ts';
import { alarmState } from '../model/history.ts';
import type { RouteParams } from '../router.tsx';

/** 报警详情: the record, its handling (闭环), the audit trail and the notification deliveries. */
export function AlarmDetailView({ params }: { params: RouteParams }) {
  const id = params.id!;
  const { lang, t } = useI18n();
  const { api } = useServices();
  const live = useLiveState();
  // A pushed change of this alarm (acknowledged elsewhere, cleared) reloads the page's copy.
  const pushed = live.alarms.get(id);
  const version = pushed ? `${pushed.acknowledgedAt}|${pushed.clearedAt}|${pushed.level}|${pushed.comments?.length ?? 0}|${pushed.assignedTo}|${pushed.shelvedUntil}` : '';
  const r = useResource(`${id}|${version}`, () => api.get(`/api/v1/alarms/${encodeURIComponent(id)}`).then((b) => checkAlarmDetail(b, 'alarm')));
  if (r.error instanceof ApiError && (r.error.status === 403 || r.error.status === 404)) return <Forbidden what={id} />;
  if (r.error) return <LoadError error={r.error} />;
  if (!r.data) return <p class="loading">{t('common.loading')}</p>;
  const { alarm: a, events, deliveries } = r.data;
  const tk = typeKey(a.type);
  const rk = reasonKey(a.reason);
  const unit = valueUnit(a);
  const state = alarmState(a);
  const now = Date.now();
  const time = (iso: string | null | undefined) => (iso ? formatTime(iso, lang, now) : '—');

  return (
    <div class="detail alarm-detail" data-testid="alarm-detail" data-state={state}>
      <header class="view-head">
        <h2>
          <span class={`level-badge level-${a.level}`}>{t(`level.${a.level}`)}</span> {tk ? t(tk) : a.type}
          {a.reason && <span class="alarm-reason"> {rk ? t(rk) : a.reason}</span>} ·{' '}
          {subjectParts(a, live.workshops, live.lines).map((p) => t(p.key, p.params)).join(' · ')}
        </h2>
        <span class={`state-badge state-${state}`} data-testid="alarm-state">{t(`state.${state}`)}</span>
      </header>
      <dl class="facts">
        <dt>{t('alarms.col.value')}</dt>
        <dd>
          {a.value === null ? '—' : formatNumber(a.value)} / {a.limit === null ? '—' : formatNumber(a.limit)} {unit && t(unit)}
          {a.peak !== null && <small class="muted"> {t('detail.peak', { n: formatNumber(a.peak) })}</small>}
        </dd>
        <dt>{t('detail.since')}</dt>
        <dd>{time(a.since)}</dd>
        <dt>{t('alarms.col.raisedAt')}</dt>
        <dd>
          {time(a.raisedAt)} {a.late && <span class="tag tag-late">{t('alarms.late')}</span>}
        </dd>
        <dt>{t('detail.clearedAt')}</dt>
        <dd>{time(a.clearedAt)}</dd>
        <dt>{t('detail.acknowledged')}</dt>
        <dd data-testid="detail-acked">{a.acknowledgedAt ? `${time(a.acknowledgedAt)} · ${a.acknowledgedBy ?? ''}` : '—'}</dd>
        <dt>{t('handling.assignee')}</dt>
        <dd>{a.assignedTo ?? '—'}</dd>
        <dt>{t('handling.shelve')}</dt>
        <dd>{a.shelvedUntil ? `${time(a.shelvedUntil)} · ${a.shelveReason ?? ''}` : '—'}</dd>
        <dt>{t('detail.closed')}</dt>
        <dd data-testid="detail-closed">{a.closedAt ? `${time(a.closedAt)} · ${a.closedBy ?? ''} · ${a.rectification ?? ''}` : '—'}</dd>
        <dt>{t('history.col.rev')}</dt>
        <dd>{a.configRevision}</dd>
      </dl>
      <AlarmActions alarm={a} onDone={r.reload} />
      <section class="panel">
        <h3 class="panel-title">{t('detail.comments')}</h3>
        {(a.comments ?? []).length === 0 ? (
          <p class="empty">{t('detail.noComments')}</p>
        ) : (
          <ul class="comments" data-testid="comments">
            {(a.comments ?? []).map((c, i) => (
              <li key={i}>
                <strong>{c.by}</strong> <small class="muted">{time(c.at)}</small>
                <p>{c.text}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
      <div class="two-col">
        <section class="panel">
          <h3 class="panel-title">{t('detail.trail')}</h3>
          <table class="data-table" data-testid="alarm-events">
            <tbody>
              {events.map((e) => (
                <tr key={e.seq} data-kind={e.kind}>
                  <td class="num">#{e.seq}</td>
                  <td>{time(e.at)}</td>
                  <td>{t(eventKey(e.kind))}</td>
                  <td>{e.by ?? t('detail.platform')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section class="panel">
          <h3 class="panel-title">{t('detail.deliveries')}</h3>
          {deliveries.length === 0 ? (
            <p class="empty" data-testid="deliveries-empty">{t('detail.noDeliveries')}</p>
          ) : (
            <table class="data-table" data-testid="deliveries">
              <thead>
                <tr>
                  <th>{t('delivery.channel')}</th>
                  <th>{t('delivery.state')}</th>
                  <th class="num">{t('delivery.attempts')}</th>
                  <th>{t('delivery.finished')}</th>
                  <th>{t('delivery.error')}</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.key} class={`delivery-${d.state}`}>
                    <td>{d.channel}</td>
                    <td>{d.state}</td>
                    <td class="num">{d.attempts}</td>
                    <td>{time(d.finishedAt)}</td>
                    <td>{d.lastError ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}

const EVENT_KEYS = ['raised', 'escalated', 'acknowledged', 'commented', 'assigned', 'shelved', 'cleared', 'closed', 'notified'] as const;
function eventKey(kind: string) {
  return (EVENT_KEYS as readonly string[]).includes(kind) ? (`event.${kind as (typeof EVENT_KEYS)[number]}` as const) : ('event.other' as const);
}
