import type { SiteEnterprise } from '../api/shapes.ts';
import { useEnterpriseAccess } from '../auth/access.ts';
import { can, maySee } from '../auth/permissions.ts';
import type { User } from '../auth/session.ts';
import { AccessAdmin } from '../components/access-admin.tsx';
import { AlarmHistory } from '../components/alarm-history.tsx';
import { Findings } from '../components/findings.tsx';
import { Forbidden, LoadError } from '../components/forbidden.tsx';
import { GatewayList } from '../components/gateway-list.tsx';
import { SiteConfig } from '../components/site-config.tsx';
import { Tabs } from '../components/tabs.tsx';
import { useI18n, useResource, useServices, useUser } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';
import { href, type RouteParams } from '../router.tsx';

type Tab = { id: string; label: StringKey; allowed: (u: User) => boolean };
const TABS: Tab[] = [
  { id: 'alarms', label: 'ent.tab.alarms', allowed: () => true },
  { id: 'gateways', label: 'ent.tab.gateways', allowed: () => true },
  { id: 'config', label: 'ent.tab.config', allowed: (u) => can(u, 'edit-config') || u.role === 'regulator' },
  { id: 'audit', label: 'ent.tab.audit', allowed: (u) => u.role !== 'operator' },
  { id: 'access', label: 'ent.tab.access', allowed: (u) => can(u, 'manage-access') },
];

/** 企业: alarms and their handling, notifications, gateways, site configuration and compliance of one enterprise. */
export function EnterpriseView({ params }: { params: RouteParams }) {
  const user = useUser();
  const { t } = useI18n();
  const { site } = useServices();
  const dir = useResource(`site|${site.version}`, () => site.get());
  const visible = (dir.data?.enterprises ?? []).filter((e) => maySee(user, e));
  const enterpriseId = params.enterpriseId ?? user.enterpriseId ?? visible[0]?.id;
  if (!enterpriseId) return dir.error ? <LoadError error={dir.error} /> : <p class="loading">{t('common.loading')}</p>;
  return <Enterprise enterpriseId={enterpriseId} tab={params.tab ?? 'alarms'} enterprise={dir.data?.enterprises.find((e) => e.id === enterpriseId)} choices={visible} />;
}

function Enterprise({ enterpriseId, tab, enterprise, choices }: { enterpriseId: string; tab: string; enterprise: SiteEnterprise | undefined; choices: SiteEnterprise[] }) {
  const user = useUser();
  const { t } = useI18n();
  const { api } = useServices();
  const access = useEnterpriseAccess(enterpriseId);
  const tabs = TABS.filter((x) => x.allowed(user));
  // A tab the role may not open, followed by hand, is refused rather than quietly swapped for another.
  const refused = TABS.find((x) => x.id === tab && !tabs.includes(x));
  const current = tabs.find((x) => x.id === tab) ?? tabs[0]!;
  const notif = useResource(current.id === 'alarms' && !refused ? `notif|${enterpriseId}` : null, () =>
    // This enterprise's own deliveries (the server narrows to what the user may see).
    api.get<{ deliveries?: { pending?: number; delivered?: number; dead?: number } }>('/api/v1/notifications/stats', { enterpriseId }).catch(() => null),
  );
  if (access === 'loading') return <p class="loading">{t('common.loading')}</p>;
  if (access === 'forbidden') return <Forbidden what={enterpriseId} />;
  if (refused) return <Forbidden what={`${enterprise?.name ?? enterpriseId} · ${t(refused.label)}`} />;
  const base = `/enterprise/${encodeURIComponent(enterpriseId)}`;
  const d = notif.data?.deliveries;

  return (
    <div class="enterprise-view" data-testid="enterprise-view" data-enterprise={enterpriseId}>
      <header class="view-head">
        <h2>
          {enterprise?.name ?? enterpriseId} <small class="muted">{enterprise ? `${enterpriseId} · ${enterprise.region}` : ''}</small>
        </h2>
        {choices.length > 1 && (
          <select aria-label={t('ent.choose')} value={enterpriseId} data-testid="enterprise-select" onChange={(e) => (location.hash = href(`/enterprise/${encodeURIComponent(e.currentTarget.value)}/${current.id}`))}>
            {choices.map((e) => (
              <option key={e.id} value={e.id}>{e.name}</option>
            ))}
          </select>
        )}
      </header>
      <Tabs base={base} tabs={tabs} current={current.id} />
      {current.id === 'alarms' && (
        <>
          {d && (
            <p class="notif-summary" data-testid="notification-stats">
              {t('notif.summary', { delivered: d.delivered ?? 0, pending: d.pending ?? 0, dead: d.dead ?? 0 })}
            </p>
          )}
          <AlarmHistory scope={{ enterpriseId }} />
        </>
      )}
      {current.id === 'gateways' && (enterprise ? <GatewayList key={enterprise.id} enterprise={enterprise} /> : <p class="loading">{t('common.loading')}</p>)}
      {current.id === 'config' && <SiteConfig />}
      {current.id === 'audit' && <Findings scope={{ enterpriseId }} />}
      {/* Keyed: a one-time secret shown for one enterprise must not survive a switch to another. */}
      {current.id === 'access' && <AccessAdmin key={enterpriseId} enterpriseId={enterpriseId} />}
    </div>
  );
}
