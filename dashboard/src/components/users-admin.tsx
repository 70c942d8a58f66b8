import { useState } from 'preact/hooks';
import type { UserAccount } from '@hazwatch/protocols';
import { listOf, rolesOf, scopeKey, validRegion, type AccessScope } from '../api/access-scope.ts';
import { checkAccountAnswer, checkAccounts } from '../api/access-shapes.ts';
import type { Role } from '../auth/session.ts';
import { formatTime } from '../format.ts';
import { useI18n, useResource, useServices, useUser } from '../hooks.ts';
import { ApiErrorNote } from './api-error.tsx';
import { ListFrame } from './forbidden.tsx';
import { RoleFields } from './region-input.tsx';

/**
 * 用户: the scope's accounts (one enterprise's, or the platform's regulators and admins), a form to add
 * one, and per account its role (and a regulator's region), password, lockout and disabling.
 */
export function UsersAdmin({ scope }: { scope: AccessScope }) {
  const { t } = useI18n();
  const { api } = useServices();
  const me = useUser();
  const platform = scope === 'platform';
  const r = useResource(`users|${scopeKey(scope)}`, () => listOf(api, '/api/v1/users', scope, checkAccounts, 'users'));
  const users = r.data ?? [];
  // Reloaded in place (same key), so the rows keep their state while the new list comes.
  const reload = r.reload;

  return (
    <section class="panel" data-testid="users-admin">
      <h3 class="panel-title">{t('access.users')}</h3>
      <ListFrame resource={r} rows={users.length} empty={t(platform ? 'users.nonePlatform' : 'users.none')}>
        {() => (
          <table class="data-table" data-testid="users">
            <thead>
              <tr>
                <th>{t('users.username')}</th>
                <th>{t('users.displayName')}</th>
                <th>{t('users.role')}</th>
                {platform && <th>{t('users.region')}</th>}
                <th>{t('users.state')}</th>
                <th>{t('users.createdAt')}</th>
                <th>{t('users.lastLogin')}</th>
                <th>{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <UserRow key={u.id} user={u} scope={scope} self={u.id === me.id} onChanged={reload} />
              ))}
            </tbody>
          </table>
        )}
      </ListFrame>
      <CreateUser scope={scope} onCreated={reload} />
    </section>
  );
}

type Edit = 'role' | 'password' | 'disable';

type Patch = { role?: Role; region?: string | null; password?: string; disabled?: boolean; unlock?: true };

function UserRow({ user, scope, self, onChanged }: { user: UserAccount; scope: AccessScope; self: boolean; onChanged: () => void }) {
  const { lang, t } = useI18n();
  const { api } = useServices();
  const platform = scope === 'platform';
  const [edit, setEdit] = useState<Edit | null>(null);
  const [role, setRole] = useState<Role>(user.role);
  const [region, setRegion] = useState(user.region ?? '');
  const [regionInvalid, setRegionInvalid] = useState(false);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const now = Date.now();
  const open = (e: Edit | null) => {
    setEdit(e);
    setError(null);
    setSaved(false);
    setRole(user.role);
    setRegion(user.region ?? '');
    setRegionInvalid(false);
    setPassword('');
  };
  const patch = async (body: Patch) => {
    setBusy(true);
    setError(null);
    try {
      checkAccountAnswer(await api.send('PATCH', `/api/v1/users/${encodeURIComponent(user.id)}`, body), 'answer');
      setEdit(null);
      setPassword('');
      setSaved(true);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (edit === 'role' && platform) {
      // A regulator is bound to a region, an admin to none: the two change together.
      if (role === 'regulator' && !validRegion(region.trim())) return setRegionInvalid(true);
      void patch({ role, region: role === 'regulator' ? region.trim() : null });
    } else if (edit === 'role') void patch({ role });
    else if (edit === 'password') void patch({ password });
    else if (edit === 'disable') void patch({ disabled: true });
  };

  return (
    <>
      <tr data-testid={`user-${user.username}`} data-role={user.role} data-disabled={String(user.disabled)} data-locked={String(user.lockedUntil !== null)}>
        <td>
          {user.username} {self && <span class="tag">{t('users.self')}</span>}
        </td>
        <td>{user.displayName}</td>
        <td>{t(`role.${user.role}`)}</td>
        {platform && <td data-testid="user-region">{user.region ?? '—'}</td>}
        <td>
          {user.disabled ? (
            <span class="state-badge user-disabled">{t('users.disabled')}</span>
          ) : user.lockedUntil ? (
            <span class="state-badge user-locked">{t('users.locked', { time: formatTime(user.lockedUntil, lang, now) })}</span>
          ) : (
            <span class="state-badge user-active">{t('users.active')}</span>
          )}
        </td>
        <td>{formatTime(user.createdAt, lang, now)}</td>
        <td data-testid="user-last-login">{user.lastLoginAt ? formatTime(user.lastLoginAt, lang, now) : <span class="muted">{t('users.neverLoggedIn')}</span>}</td>
        <td>
          {/* Not on one's own account: a slip would lock the only admin out of the enterprise. */}
          {!self && (
            <span class="row-actions">
              <button type="button" class={edit === 'role' ? 'current' : ''} data-testid="user-change-role" onClick={() => open(edit === 'role' ? null : 'role')}>
                {t(platform ? 'users.changeScope' : 'users.changeRole')}
              </button>
              <button type="button" class={edit === 'password' ? 'current' : ''} data-testid="user-reset-password" onClick={() => open(edit === 'password' ? null : 'password')}>
                {t('users.resetPassword')}
              </button>
              {user.lockedUntil && (
                <button type="button" disabled={busy} data-testid="user-unlock" onClick={() => { open(null); void patch({ unlock: true }); }}>
                  {t('users.unlock')}
                </button>
              )}
              {!user.disabled ? (
                <button type="button" class={edit === 'disable' ? 'current' : ''} data-testid="user-disable" onClick={() => open(edit === 'disable' ? null : 'disable')}>
                  {t('users.disable')}
                </button>
              ) : (
                <button type="button" disabled={busy} data-testid="user-enable" onClick={() => { open(null); void patch({ disabled: false }); }}>
                  {t('users.enable')}
                </button>
              )}
            </span>
          )}
          {saved && <span class="form-ok" role="status" data-testid="user-saved"> {t('users.saved', { name: user.username })}</span>}
        </td>
      </tr>
      {(edit !== null || error !== null) && (
        <tr class="row-form" data-testid={`user-form-${user.username}`}>
          <td colSpan={platform ? 8 : 7}>
            {edit !== null && (
              <form class="inline-form" data-testid={`user-form-${edit}`} onSubmit={submit}>
                {edit === 'role' && (
                  <RoleFields
                    label={t('users.role')}
                    roles={rolesOf(scope)}
                    role={role}
                    onRole={(r) => {
                      setRole(r);
                      setRegionInvalid(false);
                    }}
                    region={region}
                    regionInvalid={regionInvalid}
                    onRegion={(v) => {
                      setRegion(v);
                      setRegionInvalid(false);
                    }}
                  />
                )}
                {edit === 'password' && (
                  <label>
                    {t('users.newPassword')}
                    <input name="password" type="password" autoComplete="new-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
                  </label>
                )}
                {edit === 'disable' && <p class="confirm-text">{t('users.confirmDisable', { name: user.displayName })}</p>}
                {edit !== 'disable' && <p class="muted">{t('users.reloginNote')}</p>}
                <div class="form-buttons">
                  <button type="submit" class="primary" disabled={busy || (edit === 'role' && role === user.role && (role !== 'regulator' || region.trim() === user.region))} data-testid="user-form-submit">
                    {t(edit === 'role' ? (platform ? 'users.saveScope' : 'users.saveRole') : edit === 'password' ? 'users.savePassword' : 'users.disable')}
                  </button>
                  <button type="button" class="link" onClick={() => open(null)}>
                    {t('common.cancel')}
                  </button>
                </div>
              </form>
            )}
            {error !== null && <ApiErrorNote error={error} testId="user-error" fields={{ password: t('users.newPassword'), role: t('users.role'), region: t('users.region') }} />}
          </td>
        </tr>
      )}
    </>
  );
}

function CreateUser({ scope, onCreated }: { scope: AccessScope; onCreated: () => void }) {
  const { t } = useI18n();
  const { api } = useServices();
  const roles = rolesOf(scope);
  const empty = { username: '', displayName: '', role: roles[0]!, region: '', password: '' };
  const [form, setForm] = useState(empty);
  const [regionInvalid, setRegionInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);
  const set = (k: keyof typeof empty) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  const regulator = form.role === 'regulator';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    const region = form.region.trim();
    if (regulator && !validRegion(region)) return setRegionInvalid(true);
    setBusy(true);
    try {
      const displayName = form.displayName.trim();
      // A platform account belongs to no enterprise; a regulator has its region instead.
      const where = scope === 'platform' ? (regulator ? { region } : {}) : { enterpriseId: scope.enterpriseId };
      const u = checkAccountAnswer(
        await api.send('POST', '/api/v1/users', { username: form.username.trim(), role: form.role, ...where, password: form.password, ...(displayName ? { displayName } : {}) }),
        'answer',
      );
      setCreated(u.username);
      setForm(empty);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="filters create-form" data-testid="user-create" onSubmit={(e) => void submit(e)}>
      <h4 class="form-title">{t('users.create')}</h4>
      <label>
        {t('users.username')}
        <input name="username" required autoComplete="off" value={form.username} onInput={set('username')} />
      </label>
      <label>
        {t('users.displayName')}
        <input name="displayName" value={form.displayName} onInput={set('displayName')} />
      </label>
      <RoleFields
        label={t('users.role')}
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
        {t('users.password')}
        <input name="password" type="password" autoComplete="new-password" required value={form.password} onInput={set('password')} />
      </label>
      <button type="submit" class="primary" disabled={busy} data-testid="user-create-submit">
        {t('users.createSubmit')}
      </button>
      {created && (
        <p class="form-ok" role="status" data-testid="user-created">
          {t('users.created', { username: created })}
        </p>
      )}
      {error !== null && (
        <ApiErrorNote error={error} testId="user-create-error" fields={{ username: t('users.username'), displayName: t('users.displayName'), password: t('users.password'), role: t('users.role'), region: t('users.region') }} />
      )}
    </form>
  );
}
