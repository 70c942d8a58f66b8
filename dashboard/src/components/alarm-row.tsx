import type { AlarmRecord, LineLive, WorkshopLive } from '@hazwatch/protocols';
import { formatDuration, formatNumber, formatTime } from '../format.ts';
import { can } from '../auth/permissions.ts';
import { useI18n, useUser } from '../hooks.ts';
import { href } from '../router.tsx';
import { AckButton } from './ack-button.tsx';
import { reasonKey, subjectParts, typeKey, valueUnit } from '../model/alarms.ts';

export function AlarmRow(props: {
  alarm: AlarmRecord;
  workshops: ReadonlyMap<string, WorkshopLive>;
  lines: ReadonlyMap<string, LineLive>;
  now: number;
}) {
  const { lang, t } = useI18n();
  const canAck = can(useUser(), 'acknowledge');
  const a = props.alarm;
  const tk = typeKey(a.type);
  const rk = reasonKey(a.reason);
  const unit = valueUnit(a);
  const subject = subjectParts(a, props.workshops, props.lines).map((p) => t(p.key, p.params));
  const value = a.value === null ? '—' : formatNumber(a.value);
  const limit = a.limit === null ? null : formatNumber(a.limit);
  const showPeak = a.peak !== null && a.value !== null && a.peak > a.value;

  return (
    <tr
      class={`alarm-row level-${a.level}${a.acknowledgedAt ? ' is-acked' : ''}${a.clearedAt ? ' is-ended' : ''}`}
      data-testid={`alarm-${a.id}`}
      data-type={a.type}
      data-level={a.level}
      data-acked={a.acknowledgedAt ? 'true' : 'false'}
      data-ended={a.clearedAt ? 'true' : 'false'}
    >
      <td>
        <span class={`level-badge level-${a.level}`}>{t(`level.${a.level}`)}</span>
        {a.escalatedAt && <span class="tag">{t('alarms.escalated')}</span>}
        {a.clearedAt && (
          <span class="tag tag-ended" title={formatTime(a.clearedAt, lang, props.now)}>
            {t('alarms.ended')}
          </span>
        )}
      </td>
      <td class="alarm-type">
        <strong>{tk ? t(tk) : a.type}</strong>
        {a.reason && <span class="alarm-reason">{rk ? t(rk) : a.reason}</span>}
      </td>
      <td class="alarm-subject">
        {a.subject.workshopId ? <a href={href(`/workshops/${encodeURIComponent(a.enterpriseId)}/${encodeURIComponent(a.subject.workshopId)}`)}>{subject.join(' · ')}</a> : subject.join(' · ')}
      </td>
      <td class="num alarm-value">
        <strong>{value}</strong>
        {/* A 预警's limit is the warning level, not the legal one: said so, so 470 / 450 does not read as over 定量. */}
        {limit !== null && <span class="alarm-limit"> / {a.level === 'warning' ? `${t('level.warning')} ${limit}` : limit}</span>}
        {unit && <span class="unit"> {t(unit)}</span>}
        {showPeak && <span class="alarm-peak"> ↑{formatNumber(a.peak!)}</span>}
      </td>
      <td class="alarm-time">
        <time dateTime={a.raisedAt}>{formatTime(a.raisedAt, lang, props.now)}</time>
        <span class="alarm-duration">{formatDuration(props.now - Date.parse(a.raisedAt), t)}</span>
        {a.late && (
          <span class="tag tag-late" title={t('alarms.late.title', { time: formatTime(a.detectedAt, lang, props.now) })}>
            {t('alarms.late')}
          </span>
        )}
      </td>
      <td class="alarm-action">
        {canAck ? <AckButton alarm={a} /> : a.acknowledgedAt ? <span class="acked">{t('alarms.acked', { by: a.acknowledgedBy ?? '?' })}</span> : null}
        <a class="link" href={href(`/alarms/${encodeURIComponent(a.id)}`)} data-testid={`alarm-link-${a.id}`}>
          {t('alarms.details')}
        </a>
      </td>
    </tr>
  );
}
