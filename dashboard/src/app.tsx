import { useEffect } from 'preact/hooks';
import { TopBar } from './components/top-bar.tsx';
import { StaleBanner } from './components/stale-banner.tsx';
import { StatusFooter } from './components/status-footer.tsx';
import { useI18n, useLiveState, useNow, useSession } from './hooks.ts';
import { staleness } from './live/store.ts';
import { homeOf } from './auth/permissions.ts';
import { href, resolve, useHashPath } from './router.tsx';
import { routes } from './routes.ts';
import { Login } from './views/login.tsx';
import { NotFound } from './views/not-found.tsx';

export function App() {
  const { lang, t } = useI18n();
  const session = useSession();
  const live = useLiveState();
  const now = useNow();
  const path = useHashPath();
  const stale = staleness(live, now);
  const match = resolve(routes, path);
  const signedIn = session.kind === 'signed-in';

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `hazwatch · ${t(signedIn ? (match?.route.title ?? 'view.notFound') : 'login.title')}`;
  }, [lang, match?.route.title, signedIn]);

  // A regulator's day starts at the region, not at one plant's wall.
  const userId = signedIn ? session.user.id : null;
  useEffect(() => {
    if (session.kind === 'signed-in' && (location.hash === '' || location.hash === '#/')) {
      const home = homeOf(session.user);
      if (home !== '/') location.hash = href(home);
    }
  }, [userId]);

  if (session.kind !== 'signed-in') {
    return (
      <div class="app app-login" data-session={session.kind}>
        {session.kind === 'loading' ? <p class="loading">{t('common.loading')}</p> : <Login error={session.error} />}
      </div>
    );
  }

  const View = match?.route.view ?? NotFound;
  return (
    <div class={stale.stale ? 'app is-stale' : 'app'} data-stale={stale.stale ? 'true' : 'false'} data-role={session.user.role}>
      <TopBar connection={live.connection} now={now + live.serverOffsetMs} viewTitle={match?.route.title ?? 'view.notFound'} user={session.user} path={path} />
      <StaleBanner stale={stale} />
      <main class="main">
        <View params={match?.params ?? {}} />
      </main>
      <StatusFooter rejected={live.rejected} error={live.lastError} />
    </div>
  );
}
