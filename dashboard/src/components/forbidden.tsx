import type { ComponentChildren } from 'preact';
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

/**
 * A fetched list's frame: its load error, 加载中 until the first answer, `empty` when it has no rows,
 * else the list itself (`children`, made only then).
 */
export function ListFrame(props: { resource: { error: Error | null; loading: boolean; data: unknown }; rows: number; empty: string; emptyTestId?: string; children: () => ComponentChildren }) {
  const { t } = useI18n();
  const r = props.resource;
  return (
    <>
      {r.error && <LoadError error={r.error} />}
      {r.loading && !r.data ? (
        <p class="loading">{t('common.loading')}</p>
      ) : props.rows === 0 ? (
        <p class="empty" data-testid={props.emptyTestId}>
          {props.empty}
        </p>
      ) : (
        props.children()
      )}
    </>
  );
}
