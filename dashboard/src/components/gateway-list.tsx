import { useState } from 'preact/hooks';
import { can } from '../auth/permissions.ts';
import { formatAge, formatDuration } from '../format.ts';
import { useI18n, useLiveState, useNow, useUser } from '../hooks.ts';
import { gatewayViews, notableClockOffset } from '../model/gateways.ts';
import type { SiteEnterprise } from '../api/shapes.ts';
import { LoadError } from './forbidden.tsx';
import { CredentialCells, GatewaySecretBox, useGatewayCredentials, type GatewaySecret } from './gateway-credentials.tsx';

/**
 * 网关: each configured gateway with its status, live from the workshops and alarms it feeds, and what
 * the platform last heard of it (GatewayLive: when, on the platform's clock; its spool, agent and
 * clock offset); for those who manage gateways, also its MQTT credential, issued and rotated here.
 */
export function GatewayList({ enterprise }: { enterprise: SiteEnterprise }) {
  const { t } = useI18n();
  const live = useLiveState();
  const now = useNow() + live.serverOffsetMs;
  const manage = can(useUser(), 'manage-gateways');
  const creds = useGatewayCredentials(manage ? enterprise.id : null);
  const [secret, setSecret] = useState<GatewaySecret | null>(null);
  const views = gatewayViews(enterprise.id, enterprise.gateways, live.workshops.values(), live.alarms.values(), live.gateways.values());
  const name = (id: string) => enterprise.workshops.find((w) => w.id === id)?.name ?? id;
  if (views.length === 0) return <p class="empty">{t('gateways.none')}</p>;
  return (
    <>
      {secret && <GatewaySecretBox secret={secret} onDismiss={() => setSecret(null)} />}
      {creds.error && <LoadError error={creds.error} />}
      <table class="data-table" data-testid="gateways">
        <thead>
          <tr>
            <th>{t('gateways.id')}</th>
            <th>{t('history.col.state')}</th>
            <th>{t('gateways.lastHeard')}</th>
            <th>{t('gateways.buffered')}</th>
            <th>{t('gateways.agent')}</th>
            <th>{t('gateways.clockOffset')}</th>
            <th>{t('gateways.workshops')}</th>
            {manage && <th>{t('gateways.credential')}</th>}
            {manage && <th>{t('common.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {views.map((g) => (
            <tr key={g.id} data-testid={`gateway-${g.id}`} data-status={g.status}>
              <td>{g.id}</td>
              <td>
                <span class={`gw-badge gw-${g.status}`}>{t(`gateways.${g.status}`)}</span>
              </td>
              {/* Both on the platform's clock: the server's arrival time against the page's estimate of the server's now. */}
              <td data-testid={`last-heard-${g.id}`}>{g.lastHeardAt ? formatAge(now - Date.parse(g.lastHeardAt), t) : '—'}</td>
              <td data-testid={`buffered-${g.id}`}>{g.buffered === null ? '—' : g.buffered === 0 ? t('gateways.bufferedNone') : t('gateways.bufferedValue', { n: g.buffered })}</td>
              <td data-testid={`agent-${g.id}`}>{g.agent ?? '—'}</td>
              <ClockOffsetCell id={g.id} offsetMs={g.clockOffsetMs} />
              <td>{g.workshops.map(name).join('、')}</td>
              {manage && (
                <CredentialCells
                  enterpriseId={enterprise.id}
                  gatewayId={g.id}
                  credential={creds.data?.find((c) => c.gatewayId === g.id)}
                  loaded={creds.data !== undefined}
                  onIssued={(s) => {
                    setSecret(s);
                    creds.reload();
                  }}
                  onRevoked={() => {
                    // A secret still on screen for this gateway no longer signs in.
                    if (secret?.gatewayId === g.id) setSecret(null);
                    creds.reload();
                  }}
                />
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** 时钟偏差: 正常 within CLOCK_OFFSET_NOTABLE_MS, else how far the gateway's clock is slow (behind) or fast. */
function ClockOffsetCell({ id, offsetMs }: { id: string; offsetMs: number | null }) {
  const { t } = useI18n();
  const shown = notableClockOffset(offsetMs);
  if (offsetMs === null) return <td data-testid={`clock-${id}`}>—</td>;
  if (shown === null) return <td data-testid={`clock-${id}`} data-offset-ms={offsetMs}>{t('gateways.clockOk')}</td>;
  const d = formatDuration(Math.abs(shown), t);
  return (
    <td data-testid={`clock-${id}`} data-offset-ms={offsetMs} class="gw-clock-off" title={t(shown > 0 ? 'gateways.clockBehind' : 'gateways.clockAhead', { d })} aria-label={t(shown > 0 ? 'gateways.clockBehind' : 'gateways.clockAhead', { d })}>
      {t(shown > 0 ? 'gateways.clockSlow' : 'gateways.clockFast', { d })}
    </td>
  );
}
