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
  return (
    <section class={sorted.length ? 'alarm-panel has-alarms' : 'alarm-panel'} data-testid="alarm-panel" data-count={sorted.length}>
      <h2 class="panel-title">
        {t('alarms.title')} <span class="alarm-count">{t('alarms.count', { count: sorted.length })}</span>
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
              {sorted.map((a) => (
                <AlarmRow key={a.id} alarm={a} workshops={props.workshops} lines={props.lines} now={props.now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
