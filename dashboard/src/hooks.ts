import { useEffect, useState } from 'preact/hooks';
import type { AlarmSound, SoundState } from './audio/alarm-sound.ts';
import { useLang, type Translate } from './i18n/lang.ts';
import type { Lang } from './i18n/strings.ts';
import type { LiveState } from './live/store.ts';
import { useServices } from './services.ts';

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
