import { useI18n } from '../hooks.ts';
import type { Staleness } from '../live/store.ts';

export function StaleBanner({ stale }: { stale: Staleness }) {
  const { t } = useI18n();
  if (!stale.stale) return null;
  const text =
    stale.reason === 'silent'
      ? t('stale.silent', { seconds: Math.floor(stale.silentForMs / 1000) })
      : t(stale.reason === 'connecting' ? 'stale.connecting' : 'stale.disconnected');
  return (
    <div class={`stale-banner stale-${stale.reason}`} role="alert" data-testid="stale-banner" data-reason={stale.reason}>
      <strong>{t('stale.label')}</strong> {text}
    </div>
  );
}
