import type { AlarmRecord } from '@hazwatch/protocols';
import { formatNumber, formatTime } from '../format.ts';
import { useI18n, useLiveState, useSiteNames } from '../hooks.ts';
import { reasonKey, subjectParts, typeKey, valueUnit } from '../model/alarms.ts';
import { alarmState } from '../model/history.ts';
import { href } from '../router.tsx';

/** Alarm history as a table (enterprise, regulator and workshop views); a row opens the alarm. */
export function AlarmTable({ alarms, showEnterprise = false, testId = 'alarm-table' }: { alarms: readonly AlarmRecord[]; showEnterprise?: boolean; testId?: string }) {
  const { lang, t } = useI18n();
  const live = useLiveState();
  const names = useSiteNames(showEnterprise);
  const now = Date.now();
  if (alarms.length === 0) return <p class="empty" data-testid={`${testId}-empty`}>{t('history.none')}</p>;
  return (
    <div class="table-scroll">
      <table class="data-table" data-testid={testId} data-count={alarms.length}>
        <thead>
          <tr>
            <th>{t('alarms.col.level')}</th>
            <th>{t('alarms.col.type')}</th>
            {showEnterprise && <th>{t('history.col.enterprise')}</th>}
            <th>{t('alarms.col.subject')}</th>
            <th class="num">{t('alarms.col.value')}</th>
            <th>{t('alarms.col.raisedAt')}</th>
            <th>{t('history.col.state')}</th>
            <th>{t('history.col.rev')}</th>
          </tr>
        </thead>
        <tbody>
          {alarms.map((a) => {
            const tk = typeKey(a.type);
            const rk = reasonKey(a.reason);
            const unit = valueUnit(a);
            const state = alarmState(a);
            return (
              <tr key={a.id} class={`level-${a.level} row-${state}`} data-testid={`history-${a.id}`} data-type={a.type} data-state={state}>
                <td>
                  <span class={`level-badge level-${a.level}`}>{t(`level.${a.level}`)}</span>
                </td>
                <td>
                  <a href={href(`/alarms/${encodeURIComponent(a.id)}`)}>
                    <strong>{tk ? t(tk) : a.type}</strong>
                    {a.reason && <span class="alarm-reason"> {rk ? t(rk) : a.reason}</span>}
                  </a>
                </td>
                {showEnterprise && <td data-enterprise={a.enterpriseId}>{names.enterprise(a.enterpriseId)}</td>}
                <td>{subjectParts(a, live.workshops, live.lines).map((p) => t(p.key, p.params)).join(' · ')}</td>
                <td class="num">
                  {a.value === null ? '—' : formatNumber(a.value)}
                  {a.limit !== null && <span class="alarm-limit"> / {formatNumber(a.limit)}</span>}
                  {unit && <span class="unit"> {t(unit)}</span>}
                </td>
                <td>{formatTime(a.raisedAt, lang, now)}</td>
                <td>
                  <span class={`state-badge state-${state}`}>{t(`state.${state}`)}</span>
                  {a.assignedTo && <small class="muted"> → {a.assignedTo}</small>}
                </td>
                <td class="num">{a.configRevision}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
