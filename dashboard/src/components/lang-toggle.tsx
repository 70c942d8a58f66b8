import { useI18n } from '../hooks.ts';

export function LangToggle() {
  const { lang, t, toggle } = useI18n();
  return (
    <button type="button" class="lang-toggle" data-testid="lang-toggle" data-lang={lang} title={t('lang.toggle.title')} onClick={toggle}>
      {t('lang.toggle')}
    </button>
  );
}
