import type { LineLive } from '@hazwatch/protocols';
import { useI18n } from '../hooks.ts';
import type { WorkshopGroup } from '../model/grouping.ts';
import { WorkshopTile } from './workshop-tile.tsx';

export function GroupSection({ group, lines, now }: { group: WorkshopGroup; lines: ReadonlyMap<string, LineLive>; now: number }) {
  const { t } = useI18n();
  return (
    <section class={`group group-${group.kind}`} data-testid={group.kind === 'line' ? `line-${group.lineId}` : `group-${group.kind}`}>
      <header class="group-header">
        {group.kind === 'line' ? <LineHeader group={group} /> : <h3 class="group-title">{t(group.kind === 'shared' ? 'group.shared' : 'group.unassigned')}</h3>}
      </header>
      <div class="tiles">
        {group.workshops.map((w) => (
          <WorkshopTile key={w.workshopId} w={w} lines={lines} now={now} />
        ))}
      </div>
    </section>
  );
}

function LineHeader({ group }: { group: Extract<WorkshopGroup, { kind: 'line' }> }) {
  const { t } = useI18n();
  const l = group.line;
  const status = l?.status ?? 'unverifiable';
  return (
    <>
      <h3 class="group-title">
        <span class="group-kind">{t('group.line')}</span> {l?.name ?? group.lineId}
      </h3>
      <div class={`line-total status-${status}`} data-testid={`line-total-${group.lineId}`} data-status={status}>
        <span class="line-total-label">{t('group.lineTotal')}</span>
        <strong class="line-total-value">{l ? l.headcount : '—'}</strong>
        {l?.staffingLimit != null ? (
          <span class="line-total-limit">
            / {l.staffingLimit} <small>{t('group.lineLimit')}</small>
          </span>
        ) : (
          <small class="line-total-limit">{t('group.noLineLimit')}</small>
        )}
        {status !== 'normal' && <span class={`status-badge status-${status}`}>{t(`status.${status}`)}</span>}
      </div>
      {group.shared.length > 0 && (
        <span class="group-note">{t('group.includesShared', { names: group.shared.map((w) => w.name).join('、') })}</span>
      )}
    </>
  );
}
