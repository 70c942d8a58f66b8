import { useEffect } from 'preact/hooks';
import { TopBar } from './components/top-bar.tsx';
import { StaleBanner } from './components/stale-banner.tsx';
import { StatusFooter } from './components/status-footer.tsx';
import { useI18n, useLiveState, useNow } from './hooks.ts';
import { staleness } from './live/store.ts';
import { resolve, useHashPath } from './router.tsx';
import { routes } from './routes.ts';
import { NotFound } from './views/not-found.tsx';

export function App() {
  const { lang, t } = useI18n();
  const live = useLiveState();
  const now = useNow();
  const path = useHashPath();
  const stale = staleness(live, now);
  const match = resolve(routes, path);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `hazwatch · ${t(match?.route.title ?? 'view.notFound')}`;
  }, [lang, match?.route.title]);

  const View = match?.route.view ?? NotFound;
  return (
    <div class={stale.stale ? 'app is-stale' : 'app'} data-stale={stale.stale ? 'true' : 'false'}>
      <TopBar connection={live.connection} now={now + live.serverOffsetMs} viewTitle={match?.route.title ?? 'view.notFound'} />
      <StaleBanner stale={stale} />
      <main class="main">
        <View params={match?.params ?? {}} />
      </main>
      <StatusFooter rejected={live.rejected} error={live.lastError} />
    </div>
  );
}
