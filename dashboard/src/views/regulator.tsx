import { maySee } from '../auth/permissions.ts';
import { AlarmHistory } from '../components/alarm-history.tsx';
import { EnterpriseOverview } from '../components/enterprise-overview.tsx';
import { Exports } from '../components/exports.tsx';
import { Findings } from '../components/findings.tsx';
import { LoadError } from '../components/forbidden.tsx';
import { StatsCharts } from '../components/stats-charts.tsx';
import { Tabs } from '../components/tabs.tsx';
import { useI18n, useResource, useServices, useUser } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';
import type { RouteParams } from '../router.tsx';

const TABS: { id: string; label: StringKey }[] = [
  { id: 'enterprises', label: 'reg.tab.enterprises' },
  { id: 'alarms', label: 'reg.tab.alarms' },
  { id: 'stats', label: 'reg.tab.stats' },
  { id: 'exports', label: 'reg.tab.exports' },
  { id: 'compliance', label: 'reg.tab.compliance' },
];

/** 监管: the enterprises of the regulator's region (an admin sees every region). */
export function RegulatorView({ params }: { params: RouteParams }) {
  const user = useUser();
  const { t } = useI18n();
  const { site } = useServices();
  const dir = useResource(`site|${site.version}`, () => site.get());
  const enterprises = (dir.data?.enterprises ?? []).filter((e) => maySee(user, e));
  const region = user.role === 'regulator' ? user.region : null;
  const scope = region ? { region } : {};
  const tab = TABS.find((x) => x.id === params.tab) ?? TABS[0]!;
  const names = new Map(enterprises.map((e) => [e.id, e.name]));

  return (
    <div class="regulator-view" data-testid="regulator-view">
      <header class="view-head">
        <h2>{region ? t('reg.title', { region }) : t('reg.titleAll')}</h2>
      </header>
      <Tabs base="/regulator" tabs={TABS} current={tab.id} />
      {dir.error && <LoadError error={dir.error} />}
      {tab.id === 'enterprises' && <EnterpriseOverview enterprises={enterprises} />}
      {tab.id === 'alarms' && <AlarmHistory scope={scope} showEnterprise />}
      {tab.id === 'stats' && <StatsCharts scope={scope} names={names} />}
      {tab.id === 'exports' && <Exports region={region} enterprises={enterprises} />}
      {tab.id === 'compliance' && <Findings scope={scope} />}
    </div>
  );
}
