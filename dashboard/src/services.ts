import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api/client.ts';
import type { SiteCache } from './api/site-cache.ts';
import type { AlarmSound } from './audio/alarm-sound.ts';
import type { SessionStore } from './auth/session.ts';
import type { LangStore } from './i18n/lang.ts';
import type { LiveStore } from './live/store.ts';

/** What views need from the outside, passed down once from main.tsx (and replaceable in tests). */
export type Services = { live: LiveStore; sound: AlarmSound; lang: LangStore; api: Api; session: SessionStore; site: SiteCache };

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext is not provided');
  return s;
}
