import { useI18n } from '../hooks.ts';
import { href } from '../router.tsx';

/** What a link to someone else's enterprise shows (the API refuses it as well). */
export function Forbidden({ what }: { what: string }) {
  const { t } = useI18n();
  return (
    <section class="forbidden" data-testid="forbidden" role="alert">
      <h2>{t('forbidden.title')}</h2>
      <p>{t('forbidden.text', { what })}</p>
      <a href={href('/')}>{t('view.notFound.back')}</a>
    </section>
  );
}

export function LoadError({ error }: { error: Error }) {
  const { t } = useI18n();
  return (
    <p class="form-error" role="alert" data-testid="load-error">
      {t('common.loadFailed', { message: error.message })}
    </p>
  );
}
