import { AlarmPanel } from '../components/alarm-panel.tsx';
import { GroupSection } from '../components/group-section.tsx';
import { useI18n, useLiveState, useNow } from '../hooks.ts';
import { groupWorkshops } from '../model/grouping.ts';

/** 中控室: active alarms on top, then every workshop by line, live. */
export function ControlRoom() {
  const { t } = useI18n();
  const live = useLiveState();
  const now = useNow() + live.serverOffsetMs;
  const enterprises = groupWorkshops(live.workshops.values(), live.lines.values());
  const many = enterprises.length > 1;

  return (
    <div class="control-room">
      <AlarmPanel alarms={live.alarms} workshops={live.workshops} lines={live.lines} now={now} />
      <div class="plant" data-testid="plant">
        {enterprises.length === 0 && <p class="empty">{t('group.empty')}</p>}
        {enterprises.map((e) => (
          <section class="enterprise" key={e.enterpriseId}>
            {many && <h2 class="enterprise-title">{t('group.enterprise', { id: e.enterpriseId })}</h2>}
            {e.groups.map((g) => (
              <GroupSection key={g.key} group={g} lines={live.lines} now={now} />
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
