import { ApiError } from '../api/client.ts';
import { useI18n } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';

const KNOWN: Record<number, StringKey> = { 400: 'apiError.400', 401: 'apiError.401', 403: 'apiError.403', 404: 'apiError.404', 409: 'apiError.409', 429: 'apiError.429' };

/**
 * A refused request, next to the form that made it: what it means in the user's language, then the
 * server's own words, which name the rule (a password's length, the enterprise it may not touch).
 * `fields` names the form's inputs, so a problem at `password` reads as the label the user sees.
 */
export function ApiErrorNote({ error, testId, fields = {} }: { error: unknown; testId: string; fields?: Record<string, string> }) {
  const { t } = useI18n();
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="form-error" role="alert" data-testid={testId} data-status={api?.status ?? ''}>
      <strong>{t(api ? (KNOWN[api.status] ?? 'apiError.other') : 'apiError.other')}</strong>
      <span class="error-detail">{t('apiError.detail', { message })}</span>
      {api && api.problems.length > 0 && (
        <ul class="error-problems">
          {api.problems.map((p, i) => (
            <li key={i} data-path={p.path}>
              {t('apiError.problem', { field: fields[p.path] ?? (p.path || '—'), message: p.message })}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
