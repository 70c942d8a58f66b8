import { useState } from 'preact/hooks';
import { LangToggle } from '../components/lang-toggle.tsx';
import { useI18n, useServices } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';
import { SESSION_ENDED } from '../auth/session.ts';

const REASONS: Record<'invalid' | 'throttled' | 'error', StringKey> = {
  invalid: 'login.invalid',
  throttled: 'login.throttled',
  error: 'login.error',
};

/** 登录: the only screen without a session. */
export function Login({ error }: { error: string | null }) {
  const { t } = useI18n();
  const { session } = useServices();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<StringKey | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFailure(null);
    const r = await session.login(username.trim(), password);
    setBusy(false);
    if (r) {
      setFailure(REASONS[r]);
      setPassword('');
    }
  };

  return (
    <form class="login" data-testid="login-form" onSubmit={(e) => void submit(e)}>
      <div class="login-head">
        <span class="brand-mark" aria-hidden="true">▲</span>
        <h1>{t('app.title')}</h1>
        <LangToggle />
      </div>
      <h2>{t('login.title')}</h2>
      <label>
        {t('login.username')}
        <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>
        {t('login.password')}
        <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
        {t('login.submit')}
      </button>
      {(failure || error) && (
        <p class="form-error" role="alert" data-testid="login-error">
          {failure ? t(failure) : error === SESSION_ENDED ? t('login.ended') : t('login.error')}
        </p>
      )}
    </form>
  );
}
