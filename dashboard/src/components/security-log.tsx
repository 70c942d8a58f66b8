import { useState } from 'preact/hooks';
import type { SecurityLogEntry } from '@hazwatch/protocols';
import { checkSecurityLog, OUTCOMES, type Outcome } from '../api/access-shapes.ts';
import { formatTime } from '../format.ts';
import { useI18n, useResource, useServices, useSiteNames } from '../hooks.ts';
import { ApiErrorNote } from './api-error.tsx';
import { ListFrame } from './forbidden.tsx';

const PAGE = 50;

/** The security log's actions the page has words for; any other is shown as the server names it. */
const ACTIONS = [
  'auth.login',
  'auth.logout',
  'auth.login-failed',
  'auth.login-throttled',
  'auth.login-locked',
  'auth.account-locked',
  'auth.token-refused',
  'auth.session-refused',
  'http.forbidden',
  'http.cross-origin-refused',
  'user.created',
  'user.role-changed',
  'user.scope-changed',
  'user.password-changed',
  'user.disabled',
  'user.enabled',
  'user.unlocked',
  'token.issued',
  'token.revoked',
  'gateway.credential-issued',
  'gateway.credential-rotated',
  'gateway.credential-revoked',
  'mqtt.disconnected',
  'socket.closed',
  'mqtt.connect-refused',
  'mqtt.publish-refused',
  'mqtt.subscribe-refused',
  'mqtt.ingest-refused',
  'socket.handshake-refused',
  'socket.subscribe-refused',
  'site.revision',
  'export',
] as const;
const known = (a: string): a is (typeof ACTIONS)[number] => (ACTIONS as readonly string[]).includes(a);

type Page = { entries: SecurityLogEntry[]; next: number | null };

const detailText = (d: Record<string, unknown> | null) =>
  d === null ? '' : Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');

/**
 * 安全日志: one enterprise's entries, or without `enterpriseId` the whole platform's (the admin's view,
 * each entry with its enterprise), newest first, older ones a page at a time (`before` the oldest shown).
 */
export function SecurityLog({ enterpriseId }: { enterpriseId?: string }) {
  const { lang, t } = useI18n();
  const { api } = useServices();
  const [outcome, setOutcome] = useState<Outcome | ''>('');
  const whole = enterpriseId === undefined;
  // The whole log names each entry's enterprise as the site does (the id where the site has none).
  const names = useSiteNames(whole);
  const nameOf = names.enterprise;
  const key = `seclog|${enterpriseId ?? '*'}|${outcome}`;
  const fetchPage = async (before: number | null): Promise<Page> => {
    const entries = checkSecurityLog(await api.get('/api/v1/security/log', { enterpriseId, outcome: outcome || undefined, before: before ?? undefined, limit: PAGE }), 'log');
    return { entries, next: entries.length === PAGE ? entries[entries.length - 1]!.id : null };
  };
  const first = useResource(key, () => fetchPage(null));
  const [older, setOlder] = useState<{ key: string } & Page>({ key: '', entries: [], next: null });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const more = older.key === key ? older : null;
  const next = more ? more.next : (first.data?.next ?? null);
  const rows = [...(first.data?.entries ?? []), ...(more?.entries ?? [])];
  const now = Date.now();

  const loadOlder = async () => {
    if (next === null) return;
    setBusy(true);
    setError(null);
    try {
      const page = await fetchPage(next);
      setOlder({ key, entries: [...(more?.entries ?? []), ...page.entries], next: page.next });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const refresh = () => {
    setOlder({ key: '', entries: [], next: null });
    setError(null);
    first.reload();
  };

  return (
    <section class="panel" data-testid="security-log">
      <h3 class="panel-title">{t('access.log')}</h3>
      <div class="filters">
        <label>
          {t('seclog.outcome')}
          <select name="outcome" data-testid="seclog-outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value as Outcome | '')}>
            <option value="">{t('filter.any')}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>{t(`seclog.${o}`)}</option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="seclog-refresh" disabled={first.loading} onClick={refresh}>
          {t('seclog.refresh')}
        </button>
      </div>
      <ListFrame resource={first} rows={rows.length} empty={t('seclog.none')} emptyTestId="seclog-empty">
        {() => (
          <table class="data-table" data-testid="seclog">
            <thead>
              <tr>
                <th>{t('seclog.at')}</th>
                {whole && <th>{t('seclog.enterprise')}</th>}
                <th>{t('seclog.action')}</th>
                <th>{t('seclog.outcome')}</th>
                <th>{t('seclog.actor')}</th>
                <th>{t('seclog.target')}</th>
                <th>{t('seclog.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-testid="seclog-entry" data-id={e.id} data-action={e.action} data-outcome={e.outcome} data-actor={e.actor ?? ''} data-enterprise={e.enterpriseId ?? ''}>
                  <td class="nowrap">{formatTime(e.at, lang, now)}</td>
                  {whole && <td title={e.enterpriseId ?? undefined}>{e.enterpriseId !== null ? nameOf(e.enterpriseId) : <span class="muted">{t('seclog.platform')}</span>}</td>}
                  <td>
                    {known(e.action) && `${t(`seclog.action.${e.action}`)} `}
                    <code class="muted">{e.action}</code>
                  </td>
                  <td>
                    <span class={`state-badge outcome-${e.outcome}`}>{t(`seclog.${e.outcome}`)}</span>
                  </td>
                  <td>{e.actor ?? '—'}</td>
                  <td>{e.target ?? '—'}</td>
                  <td class="seclog-detail">{[detailText(e.detail), e.ip ? t('seclog.ip', { ip: e.ip }) : ''].filter(Boolean).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListFrame>
      {first.data &&
        (next === null ? (
          <p class="muted" data-testid="seclog-end">{t('seclog.end')}</p>
        ) : (
          <button type="button" disabled={busy} data-testid="seclog-older" onClick={() => void loadOlder()}>
            {t('seclog.older')}
          </button>
        ))}
      {error !== null && <ApiErrorNote error={error} testId="seclog-error" />}
    </section>
  );
}
