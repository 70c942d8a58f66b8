import type { AlarmRecord, LineLive, WorkshopLive } from '@hazwatch/protocols';
import { useI18n } from '../hooks.ts';
import { sortAlarms } from '../model/alarms.ts';
import { AlarmRow } from './alarm-row.tsx';

export function AlarmPanel(props: {
  alarms: ReadonlyMap<string, AlarmRecord>;
  workshops: ReadonlyMap<string, WorkshopLive>;
  lines: ReadonlyMap<string, LineLive>;
  now: number;
}) {
  const { t } = useI18n();
  const sorted = sortAlarms(props.alarms.values());
  // Ended before anyone acknowledged them: held here, below the active ones, until someone does.
  const ended = sorted.filter((a) => a.clearedAt != null);
  const active = sorted.length - ended.length;
  return (
    // A live region: a screen reader says the count when it changes (the title, not every row).
    <section class={active ? 'alarm-panel has-alarms' : 'alarm-panel'} data-testid="alarm-panel" data-count={active} data-ended={ended.length}>
      <h2 class="panel-title" aria-live="assertive">
        {t('alarms.title')} <span class="alarm-count">{t('alarms.count', { count: active })}</span>
        {ended.length > 0 && (
          <span class="alarm-count alarm-count-ended" data-testid="alarms-ended-count">
            {t('alarms.endedCount', { count: ended.length })}
          </span>
        )}
      </h2>
      {sorted.length === 0 ? (
        <p class="alarms-none">{t('alarms.none')}</p>
      ) : (
        <div class="alarm-scroll">
          <table class="alarm-table">
            <thead>
              <tr>
                <th>{t('alarms.col.level')}</th>
                <th>{t('alarms.col.type')}</th>
                <th class="subject">{t('alarms.col.subject')}</th>
                <th class="num">{t('alarms.col.value')}</th>
                <th>{t('alarms.col.raisedAt')}</th>
                <th>{t('alarms.col.action')}</th>
              </tr>
            </thead>
            <tbody>
              {[...sorted.filter((a) => a.clearedAt == null), ...ended].map((a) => (
                <AlarmRow key={a.id} alarm={a} workshops={props.workshops} lines={props.lines} now={props.now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
