import { useI18n } from '../hooks.ts';
import { href } from '../router.tsx';

export function NotFound() {
  const { t } = useI18n();
  return (
    <section class="not-found">
      <h2>{t('view.notFound')}</h2>
      <a href={href('/')}>{t('view.notFound.back')}</a>
    </section>
  );
}
