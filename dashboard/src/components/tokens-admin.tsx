import { useState } from 'preact/hooks';
import type { TokenInfo } from '@hazwatch/protocols';
import { listOf, rolesOf, scopeKey, validRegion, type AccessScope } from '../api/access-scope.ts';
import { checkIssuedToken, checkTokens } from '../api/access-shapes.ts';
import { formatTime } from '../format.ts';
import { useI18n, useResource, useServices } from '../hooks.ts';
import { ApiErrorNote } from './api-error.tsx';
import { ListFrame } from './forbidden.tsx';
import type { Role } from '../auth/session.ts';
import { RoleFields } from './region-input.tsx';
import { SecretOnce } from './secret-once.tsx';

const stateOf = (tok: TokenInfo, now: number) => (tok.revokedAt ? 'revoked' : tok.expiresAt !== null && Date.parse(tok.expiresAt) <= now ? 'expired' : 'active');

/**
 * 接口令牌: the API tokens of an enterprise's own systems, or the platform's (a provincial regulator's
 * system, with its region); a new token's secret is shown once.
 */
export function TokensAdmin({ scope }: { scope: AccessScope }) {
  const { lang, t } = useI18n();
  const { api } = useServices();
  const platform = scope === 'platform';
  const r = useResource(`tokens|${scopeKey(scope)}`, () => listOf(api, '/api/v1/tokens', scope, checkTokens, 'tokens'));
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const now = Date.now();
  const tokens = (r.data ?? []).slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <section class="panel" data-testid="tokens-admin">
      <h3 class="panel-title">{t('access.tokens')}</h3>
      {issued && (
        <SecretOnce
          secret={{ title: t('tokens.secretTitle', { name: issued.name }), fields: [{ name: 'token', label: t('secret.token'), value: issued.token }], note: t('tokens.secretUse') }}
          onDismiss={() => setIssued(null)}
        />
      )}
      <ListFrame resource={r} rows={tokens.length} empty={t(platform ? 'tokens.nonePlatform' : 'tokens.none')}>
        {() => (
          <table class="data-table" data-testid="tokens">
            <thead>
              <tr>
                <th>{t('tokens.name')}</th>
                <th>{t('tokens.role')}</th>
                {platform && <th>{t('users.region')}</th>}
                <th>{t('tokens.createdAt')}</th>
                <th>{t('tokens.createdBy')}</th>
                <th>{t('tokens.expiresAt')}</th>
                <th>{t('history.col.state')}</th>
                <th>{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((tok) => {
                const state = stateOf(tok, now);
                return (
                  <tr key={tok.id} data-testid={`token-${tok.name}`} data-state={state} data-id={tok.id}>
                    <td>{tok.name}</td>
                    <td>{t(`role.${tok.role}`)}</td>
                    {platform && <td>{tok.region ?? '—'}</td>}
                    <td>{formatTime(tok.createdAt, lang, now)}</td>
                    <td>{tok.createdBy}</td>
                    <td>{tok.expiresAt ? formatTime(tok.expiresAt, lang, now) : t('tokens.never')}</td>
                    <td>
                      <span class={`state-badge token-${state}`}>{t(`tokens.${state}`)}</span>
                    </td>
                    <td>{state !== 'revoked' && <Revoke token={tok} onRevoked={r.reload} />}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </ListFrame>
      <IssueToken
        scope={scope}
        onIssued={(x) => {
          setIssued(x);
          r.reload();
        }}
      />
    </section>
  );
}

function Revoke({ token, onRevoked }: { token: TokenInfo; onRevoked: () => void }) {
  const { t } = useI18n();
  const { api } = useServices();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.send('DELETE', `/api/v1/tokens/${encodeURIComponent(token.id)}`);
      setConfirming(false);
      onRevoked();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="row-actions">
      {confirming ? (
        <span class="confirm" data-testid="token-confirm">
          <span class="confirm-text">{t('tokens.confirmRevoke', { name: token.name })}</span>
          <button type="button" class="danger" disabled={busy} data-testid="token-revoke-confirm" onClick={() => void revoke()}>
            {t('tokens.revoke')}
          </button>
          <button type="button" class="link" onClick={() => setConfirming(false)}>
            {t('common.cancel')}
          </button>
        </span>
      ) : (
        <button type="button" data-testid="token-revoke" onClick={() => { setConfirming(true); setError(null); }}>
          {t('tokens.revoke')}
        </button>
      )}
      {error !== null && <ApiErrorNote error={error} testId="token-error" />}
    </div>
  );
}

function IssueToken({ scope, onIssued }: { scope: AccessScope; onIssued: (x: { name: string; token: string }) => void }) {
  const { t } = useI18n();
  const { api } = useServices();
  const roles = rolesOf(scope);
  const empty = { name: '', role: roles[0]!, region: '', days: '' };
  const [form, setForm] = useState(empty);
  const [regionInvalid, setRegionInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof empty) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  const regulator = form.role === 'regulator';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const region = form.region.trim();
    if (regulator && !validRegion(region)) return setRegionInvalid(true);
    setBusy(true);
    try {
      const days = form.days.trim();
      // A platform token belongs to no enterprise; a regulator's sees the enterprises of its region.
      const where = scope === 'platform' ? (regulator ? { region } : {}) : { enterpriseId: scope.enterpriseId };
      const body = { name: form.name.trim(), role: form.role, ...where, ...(days ? { expiresInDays: Number(days) } : {}) };
      const x = checkIssuedToken(await api.send('POST', '/api/v1/tokens', body), 'answer');
      setForm(empty);
      onIssued({ name: x.name, token: x.token });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="filters create-form" data-testid="token-issue" onSubmit={(e) => void submit(e)}>
      <h4 class="form-title">{t('tokens.issue')}</h4>
      <label>
        {t('tokens.name')}
        <input name="name" required autoComplete="off" value={form.name} onInput={set('name')} />
      </label>
      <RoleFields
        label={t('tokens.role')}
        roles={roles}
        role={form.role as Role}
        onRole={(role) => {
          setForm({ ...form, role });
          setRegionInvalid(false);
        }}
        region={form.region}
        regionInvalid={regionInvalid}
        onRegion={(region) => {
          setForm({ ...form, region });
          setRegionInvalid(false);
        }}
      />
      <label>
        {t('tokens.days')}
        <input name="days" type="text" inputMode="numeric" pattern="[0-9]+" value={form.days} onInput={set('days')} />
      </label>
      <button type="submit" class="primary" disabled={busy} data-testid="token-issue-submit">
        {t('tokens.issueSubmit')}
      </button>
      {error !== null && <ApiErrorNote error={error} testId="token-issue-error" fields={{ name: t('tokens.name'), role: t('tokens.role'), region: t('users.region'), expiresInDays: t('tokens.days') }} />}
    </form>
  );
}
