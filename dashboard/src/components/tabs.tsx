import type { StringKey } from '../i18n/strings.ts';
import { useI18n } from '../hooks.ts';
import { href } from '../router.tsx';

export function Tabs({ base, tabs, current }: { base: string; tabs: readonly { id: string; label: StringKey }[]; current: string }) {
  const { t } = useI18n();
  return (
    <nav class="tabs" role="tablist">
      {tabs.map((tab) => (
        <a key={tab.id} role="tab" href={href(`${base}/${tab.id}`)} class={tab.id === current ? 'current' : ''} aria-selected={tab.id === current} data-testid={`tab-${tab.id}`}>
          {t(tab.label)}
        </a>
      ))}
    </nav>
  );
}
