import { render } from 'preact';
import { io } from 'socket.io-client';
import { App } from './app.tsx';
import { AlarmSound } from './audio/alarm-sound.ts';
import { LangStore } from './i18n/lang.ts';
import { connectLive, httpJson, type LiveSocket } from './live/connection.ts';
import { LiveStore } from './live/store.ts';
import { ServicesContext, type Services } from './services.ts';
import './styles.css';

const services: Services = {
  live: new LiveStore(),
  sound: new AlarmSound(),
  lang: new LangStore(globalThis.localStorage ?? null),
};

// Same origin as the page (the server serves both); autoConnect off so every handler is attached first.
const socket = io({ path: '/socket.io', autoConnect: false });

connectLive({
  store: services.live,
  socket: socket as unknown as LiveSocket,
  fetchJson: httpJson(),
  onAlarm: (kind, level) => {
    if (kind === 'raised' || kind === 'escalated') services.sound.play(level);
  },
});

render(
  <ServicesContext.Provider value={services}>
    <App />
  </ServicesContext.Provider>,
  document.getElementById('app')!,
);
