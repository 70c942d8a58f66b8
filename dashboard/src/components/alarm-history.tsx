import { useState } from 'preact/hooks';
import type { AlarmRecord } from '@hazwatch/protocols';
import { withQuery, type Query } from '../api/client.ts';
import { useI18n, useLiveState, useResource, useServices } from '../hooks.ts';
import { checkAlarm, checkList } from '../live/guards.ts';
import { mergeAlarms } from '../model/history.ts';
import { AlarmTable } from './alarm-table.tsx';
import { LoadError } from './forbidden.tsx';

const TYPES = ['over-staffing', 'over-quantity', 'over-time', 'over-production', 'sensor-fault', 'gateway-offline'] as const;
const STATES = ['all', 'active', 'unclosed', 'cleared', 'closed'] as const;

export type Filters = { state: string; type: string; level: string; from: string; to: string };
const EMPTY: Filters = { state: 'all', type: '', level: '', from: '', to: '' };

/** A local date input (YYYY-MM-DD) as the start of that day in the browser's zone, for the API. */
const dayStart = (d: string, plusDays = 0) => (d ? new Date(`${d}T00:00:00`).getTime() + plusDays * 86_400_000 : undefined);

/**
 * Whether a pushed alarm would be in the list the filters ask for (the scope is the live feed's own:
 * a page receives only the enterprises it may see), so the page can say the list is behind.
 */
export function matchesFilters(a: AlarmRecord, scope: Query, f: Filters): boolean {
  if (typeof scope.enterpriseId === 'string' && a.enterpriseId !== scope.enterpriseId) return false;
  if (f.type && a.type !== f.type) return false;
  if (f.level && a.level !== f.level) return false;
  if (f.state === 'active' && a.clearedAt != null) return false;
  if (f.state === 'cleared' && a.clearedAt == null) return false;
  if (f.state === 'closed' && a.closedAt == null) return false;
  const raised = Date.parse(a.raisedAt);
  const from = dayStart(f.from);
  const to = dayStart(f.to, 1);
  return (from === undefined || raised >= from) && (to === undefined || raised < to);
}

export function filterQuery(scope: Query, f: Filters): Query {
  return { ...scope, state: f.state, type: f.type || undefined, level: f.level || undefined, from: dayStart(f.from), to: dayStart(f.to, 1) };
}

/**
 * 报警记录 with filters. The list is fetched when the filters change; pushes over socket.io update the
 * rows it shows (no polling). `scope` is `enterpriseId` or `region`.
 */
export function AlarmHistory({ scope, showEnterprise = false }: { scope: Query; showEnterprise?: boolean }) {
  const { t } = useI18n();
  const { api } = useServices();
  const live = useLiveState();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const query = { ...filterQuery(scope, applied), limit: 500 };
  const r = useResource(JSON.stringify(query), () => api.get(withQuery('/api/v1/alarms', query)).then((b) => checkList(b, 'alarms', checkAlarm)));
  const listed = r.data ?? [];
  const ids = new Set(listed.map((a) => a.id));
  const rows = mergeAlarms(listed, live.alarms.values(), (a) => ids.has(a.id));
  // Raised since the list was fetched (pushes only update the rows it has): said, with a way to fetch it again.
  const unlisted = r.data ? [...live.alarms.values()].filter((a) => !ids.has(a.id) && matchesFilters(a, scope, applied)).length : 0;
  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section class="panel" data-testid="alarm-history">
      <form
        class="filters"
        data-testid="alarm-filters"
        onSubmit={(e) => {
          e.preventDefault();
          // The same filters again fetch the list again.
          setApplied(draft);
          r.reload();
        }}
      >
        <label>
          {t('history.col.state')}
          <select name="state" value={draft.state} onChange={set('state')}>
            {STATES.map((s) => (
              <option key={s} value={s}>{t(`filter.state.${s}`)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('alarms.col.type')}
          <select name="type" value={draft.type} onChange={set('type')}>
            <option value="">{t('filter.any')}</option>
            {TYPES.map((x) => (
              <option key={x} value={x}>{t(`type.${x}`)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('alarms.col.level')}
          <select name="level" value={draft.level} onChange={set('level')}>
            <option value="">{t('filter.any')}</option>
            <option value="alarm">{t('level.alarm')}</option>
            <option value="warning">{t('level.warning')}</option>
          </select>
        </label>
        <label>
          {t('filter.from')}
          <input type="date" name="from" value={draft.from} onInput={set('from')} />
        </label>
        <label>
          {t('filter.to')}
          <input type="date" name="to" value={draft.to} onInput={set('to')} />
        </label>
        <button type="submit" class="primary" data-testid="filters-apply">{t('filter.apply')}</button>
        <a class="button" href={withQuery('/api/v1/alarms/export.csv', filterQuery(scope, applied))} download data-testid="export-csv">
          {t('export.csv')}
        </a>
      </form>
      {r.error && <LoadError error={r.error} />}
      {unlisted > 0 && (
        <p class="list-behind" data-testid="history-behind">
          {t('history.behind', { count: unlisted })}{' '}
          <button type="button" class="link" onClick={() => r.reload()} data-testid="history-refresh">
            {t('history.refresh')}
          </button>
        </p>
      )}
      {r.loading && !r.data ? <p class="loading">{t('common.loading')}</p> : <AlarmTable alarms={rows} showEnterprise={showEnterprise} testId="history-table" />}
    </section>
  );
}
