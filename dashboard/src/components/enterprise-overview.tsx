import type { SiteEnterprise } from '../api/shapes.ts';
import { useI18n, useLiveState } from '../hooks.ts';
import { isActive } from '../live/store.ts';
import { tileStatus } from '../model/status.ts';
import { href } from '../router.tsx';

/** 辖区企业: every enterprise of the region with its state now (live, from socket.io). */
export function EnterpriseOverview({ enterprises }: { enterprises: readonly SiteEnterprise[] }) {
  const { t } = useI18n();
  const live = useLiveState();
  // (The live store also holds alarms that ended unacknowledged, for the control room: not active.)
  const alarms = [...live.alarms.values()].filter(isActive);
  const workshops = [...live.workshops.values()];
  return (
    <table class="data-table" data-testid="enterprise-overview">
      <thead>
        <tr>
          <th>{t('history.col.enterprise')}</th>
          <th>{t('overview.region')}</th>
          <th class="num">{t('overview.workshops')}</th>
          <th class="num">{t('overview.persons')}</th>
          <th class="num">{t('status.over')}</th>
          <th class="num">{t('status.unverifiable')}</th>
          <th class="num">{t('overview.activeAlarms')}</th>
          <th>{t('overview.state')}</th>
        </tr>
      </thead>
      <tbody>
        {enterprises.map((e) => {
          const ws = workshops.filter((w) => w.enterpriseId === e.id);
          const statuses = ws.map(tileStatus);
          const over = statuses.filter((s) => s === 'over').length;
          const blind = statuses.filter((s) => s === 'unverifiable').length + (e.workshops.length - ws.length);
          const active = alarms.filter((a) => a.enterpriseId === e.id);
          const persons = ws.reduce((n, w) => n + (w.headcount ?? 0), 0);
          const state = over > 0 || active.some((a) => a.level === 'alarm') ? 'over' : blind > 0 ? 'unverifiable' : active.length > 0 ? 'full' : 'normal';
          return (
            <tr key={e.id} data-testid={`overview-${e.id}`} data-state={state}>
              <td>
                <a href={href(`/enterprise/${encodeURIComponent(e.id)}`)}>{e.name}</a>
              </td>
              <td>{e.region}</td>
              <td class="num">{e.workshops.length}</td>
              <td class="num">{persons}</td>
              <td class="num">{over}</td>
              <td class="num">{blind}</td>
              <td class="num">{active.length}</td>
              <td>
                <span class={`status-badge status-${state}`}>{t(`overview.state.${state}`)}</span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
