import { useEffect, useState } from 'preact/hooks';
import type { AlarmSound, SoundState } from './audio/alarm-sound.ts';
import { useLang, type Translate } from './i18n/lang.ts';
import type { Lang } from './i18n/strings.ts';
import type { Session, User } from './auth/session.ts';
import type { LiveState } from './live/store.ts';
import { useServices } from './services.ts';

export { useServices };

export function useLiveState(): LiveState {
  const { live } = useServices();
  const [state, setState] = useState(live.state);
  useEffect(() => {
    setState(live.state);
    return live.subscribe(setState);
  }, [live]);
  return state;
}

/**
 * The display clock: ages, dwell times and the 10 s staleness check move on it. It only re-renders;
 * live data comes from pushes, never from this tick.
 */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

export function useSound(): { state: SoundState; beeps: number; sound: AlarmSound } {
  const { sound } = useServices();
  const [, setVersion] = useState(0);
  useEffect(() => sound.subscribe(() => setVersion((v) => v + 1)), [sound]);
  return { state: sound.state, beeps: sound.beeps, sound };
}

export function useI18n(): { lang: Lang; t: Translate; toggle: () => void } {
  const { lang: store } = useServices();
  const { lang, t } = useLang(store);
  return { lang, t, toggle: () => store.toggle() };
}

export function useSession(): Session {
  const { session } = useServices();
  const [state, setState] = useState(session.state);
  useEffect(() => {
    setState(session.state);
    return session.subscribe(setState);
  }, [session]);
  return state;
}

/** The signed-in user; views behind the login gate only. */
export function useUser(): User {
  const s = useSession();
  if (s.kind !== 'signed-in') throw new Error('useUser outside the login gate');
  return s.user;
}

export type Resource<T> = { data: T | undefined; error: Error | null; loading: boolean; reload: () => void };

/**
 * Loads once per change of `key` (navigation, a filter): lists and history are fetched on demand,
 * never polled; live data comes from socket.io. A late answer for an old key is dropped.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ key: string | null; data: T | undefined; error: Error | null; loading: boolean }>({ key: null, data: undefined, error: null, loading: key !== null });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: null, loading: true }));
    load().then(
      (data) => live && setState({ key, data, error: null, loading: false }),
      (error: unknown) => live && setState({ key, data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, version]);
  return { data: state.key === key ? state.data : undefined, error: state.key === key ? state.error : null, loading: state.loading, reload: () => setVersion((v) => v + 1) };
}

/** Names as the site directory gives them; each falls back to the id while it loads, or where the site has none. */
export type SiteNames = {
  enterprise(id: string): string;
  workshop(enterpriseId: string, id: string): string;
  line(enterpriseId: string, id: string): string;
};

/**
 * The site directory's names for tables that list several enterprises' rows (a regulator's, the
 * admin's): names read better than ids there. Loaded once per site version (api/site-cache.ts), and
 * not at all when `wanted` is false.
 */
export function useSiteNames(wanted = true): SiteNames {
  const { site } = useServices();
  const dir = useResource(wanted ? `site|${site.version}` : null, () => site.get());
  const ent = (id: string) => dir.data?.enterprises.find((e) => e.id === id);
  return {
    enterprise: (id) => ent(id)?.name ?? id,
    workshop: (e, id) => ent(e)?.workshops.find((w) => w.id === id)?.name ?? id,
    line: (e, id) => ent(e)?.lines.find((l) => l.id === id)?.name ?? id,
  };
}
