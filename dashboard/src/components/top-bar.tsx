import { navFor, type NavItem } from '../auth/permissions.ts';
import type { User } from '../auth/session.ts';
import { useI18n, useServices } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';
import type { Connection } from '../live/store.ts';
import { href } from '../router.tsx';
import { LangToggle } from './lang-toggle.tsx';
import { SoundButton } from './sound-button.tsx';

const NAV: Record<NavItem, { path: string; label: StringKey }> = {
  'control-room': { path: '/', label: 'nav.controlRoom' },
  enterprise: { path: '/enterprise', label: 'nav.enterprise' },
  regulator: { path: '/regulator', label: 'nav.regulator' },
  admin: { path: '/admin', label: 'nav.admin' },
};

export function TopBar(props: { connection: Connection; now: number; viewTitle: StringKey; user: User; path: string }) {
  const { lang, t } = useI18n();
  const { session } = useServices();
  const clock = new Date(props.now).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  const section = props.path.split('/')[1] ?? '';
  const items = navFor(props.user);
  const isCurrent = (item: NavItem) => (NAV[item].path === '/' ? section === '' : NAV[item].path.slice(1) === section);
  return (
    <header class="top-bar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true">▲</span>
        <h1>{t('app.title')}</h1>
        <nav class="nav" data-testid="nav">
          {items.map((item) => {
            const current = isCurrent(item);
            return (
              <a key={item} href={href(NAV[item].path)} class={current ? 'current' : ''} data-testid={`nav-${item}`} aria-current={current ? 'page' : undefined}>
                {t(NAV[item].label)}
              </a>
            );
          })}
        </nav>
        {/* The view's name where the navigation does not already say it (details, not found). */}
        {!items.some(isCurrent) && <span class="view-title">{t(props.viewTitle)}</span>}
      </div>
      <div class="top-actions">
        <span class={`conn conn-${props.connection}`} data-testid="connection" data-state={props.connection}>
          <span class="conn-dot" aria-hidden="true" />
          {t(`conn.${props.connection}`)}
        </span>
        <time class="clock">{clock}</time>
        <SoundButton />
        <LangToggle />
        <span class="user" data-testid="user" data-role={props.user.role} title={t(`role.${props.user.role}`)}>
          {props.user.displayName}
          <small>{t(`role.${props.user.role}`)}</small>
        </span>
        {session.state.kind === 'signed-in' && !session.state.authDisabled && (
          <button type="button" class="link" data-testid="logout" onClick={() => void session.logout()}>
            {t('login.logout')}
          </button>
        )}
      </div>
    </header>
  );
}
