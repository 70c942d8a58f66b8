import { withQuery, type Query } from '../api/client.ts';
import { checkAudit } from '../api/shapes.ts';
import { useI18n, useResource, useServices, useSiteNames } from '../hooks.ts';
import { LoadError } from './forbidden.tsx';

const SEVERITIES = ['violation', 'warning', 'notice'] as const;

/** 合规检查: the compliance audit of the running configuration for an enterprise or a region. */
export function Findings({ scope }: { scope: Query }) {
  const { t } = useI18n();
  const { api } = useServices();
  const names = useSiteNames();
  const r = useResource(`audit|${JSON.stringify(scope)}`, () => api.get(withQuery('/api/v1/audit', scope)).then((b) => checkAudit(b, 'audit')));
  if (r.error) return <LoadError error={r.error} />;
  if (!r.data) return <p class="loading">{t('common.loading')}</p>;
  const a = r.data;
  return (
    <section class="panel" data-testid="findings" data-violations={a.counts.violation ?? 0}>
      <p class="audit-head">
        {t('audit.profile', { profile: a.profile?.title ?? a.regulation, rev: a.revision ?? '—' })}
        {SEVERITIES.map((s) => (
          <span key={s} class={`sev-badge sev-${s}`}>
            {t(`audit.${s}`)} {a.counts[s] ?? 0}
          </span>
        ))}
      </p>
      {a.error && <p class="form-error">{a.error}</p>}
      {a.findings.length === 0 ? (
        <p class="empty">{t('audit.none')}</p>
      ) : (
        <table class="data-table">
          <thead>
            <tr>
              <th>{t('audit.severity')}</th>
              <th>{t('history.col.enterprise')}</th>
              <th>{t('alarms.col.subject')}</th>
              <th>{t('audit.message')}</th>
              <th class="num">{t('alarms.col.value')}</th>
            </tr>
          </thead>
          <tbody>
            {a.findings.map((f, i) => (
              <tr key={i} class={`sev-${f.severity}`} data-testid="finding" data-rule={f.rule}>
                <td>
                  <span class={`sev-badge sev-${f.severity}`}>{(SEVERITIES as readonly string[]).includes(f.severity) ? t(`audit.${f.severity as (typeof SEVERITIES)[number]}`) : f.severity}</span>
                </td>
                <td data-enterprise={f.subject.enterpriseId}>{f.subject.enterpriseId ? names.enterprise(f.subject.enterpriseId) : ''}</td>
                <td>
                  {[
                    f.subject.lineId && (f.subject.enterpriseId ? names.line(f.subject.enterpriseId, f.subject.lineId) : f.subject.lineId),
                    f.subject.workshopId && (f.subject.enterpriseId ? names.workshop(f.subject.enterpriseId, f.subject.workshopId) : f.subject.workshopId),
                    f.subject.equipmentId,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </td>
                <td>{f.message}</td>
                <td class="num">
                  {f.value ?? '—'} / {f.limit ?? '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
