import { useI18n } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';
import type { Connection } from '../live/store.ts';
import { LangToggle } from './lang-toggle.tsx';
import { SoundButton } from './sound-button.tsx';

export function TopBar(props: { connection: Connection; now: number; viewTitle: StringKey }) {
  const { lang, t } = useI18n();
  const clock = new Date(props.now).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  return (
    <header class="top-bar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true">▲</span>
        <h1>{t('app.title')}</h1>
        <span class="view-title">{t(props.viewTitle)}</span>
      </div>
      <div class="top-actions">
        <span class={`conn conn-${props.connection}`} data-testid="connection" data-state={props.connection}>
          <span class="conn-dot" aria-hidden="true" />
          {t(`conn.${props.connection}`)}
        </span>
        <time class="clock">{clock}</time>
        <SoundButton />
        <LangToggle />
      </div>
    </header>
  );
}
