import { render } from 'preact';
import { io } from 'socket.io-client';
import { createApi } from './api/client.ts';
import { SiteCache } from './api/site-cache.ts';
import { App } from './app.tsx';
import { AlarmSound } from './audio/alarm-sound.ts';
import { SessionStore } from './auth/session.ts';
import { LangStore } from './i18n/lang.ts';
import { connectLive, httpJson, type LiveSocket } from './live/connection.ts';
import { LiveStore } from './live/store.ts';
import { needsReminder } from './model/alarms.ts';
import { ServicesContext, type Services } from './services.ts';
import './styles.css';

// The API client and the session refer to each other (the actor header, a 401 ending the session).
const ref: { session?: SessionStore } = {};
const api = createApi({
  // The interim actor header only matters while the server runs without authentication.
  actor: () => {
    const s = ref.session?.state;
    return s?.kind === 'signed-in' && s.authDisabled ? s.user.username : null;
  },
  onUnauthenticated: () => ref.session?.expired(),
});
const session = (ref.session = new SessionStore(api));

const services: Services = {
  live: new LiveStore(),
  sound: new AlarmSound(),
  lang: new LangStore(globalThis.localStorage ?? null),
  api,
  session,
  site: new SiteCache(api),
};

// The live feed runs only while someone is signed in: the socket.io handshake carries the session
// cookie, so it must start after the login and end with the logout.
let live: { close(): void } | null = null;
session.subscribe((s) => {
  if (s.kind === 'signed-in' && !live) {
    // autoConnect off so every handler is attached first.
    const socket = io({ path: '/socket.io', autoConnect: false, forceNew: true });
    live = connectLive({
      store: services.live,
      socket: socket as unknown as LiveSocket,
      fetchJson: httpJson(),
      onAlarm: (kind, level) => {
        if (kind === 'raised' || kind === 'escalated') services.sound.play(level);
      },
      // The live feed is gone with the session: sounded, so a control room notices.
      onUnauthenticated: () => {
        session.expired();
        services.sound.play('alarm');
      },
    });
  } else if (s.kind === 'signed-out' && live) {
    live.close();
    live = null;
    services.live.reset();
    services.site.invalidate();
  }
});
void session.load();

// While an 报警 goes unacknowledged, the alarm sounds again every REMIND_MS (model/alarms.ts).
const REMIND_MS = 15_000;
setInterval(() => {
  if (services.live.state.synced && needsReminder(services.live.state.alarms.values(), Date.now() + services.live.state.serverOffsetMs)) services.sound.play('alarm');
}, REMIND_MS);

render(
  <ServicesContext.Provider value={services}>
    <App />
  </ServicesContext.Provider>,
  document.getElementById('app')!,
);
