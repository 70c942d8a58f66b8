import { useState } from 'preact/hooks';
import type { GatewayCredentialInfo } from '@hazwatch/protocols';
import { checkGatewayCredentials, checkGatewaySecret } from '../api/access-shapes.ts';
import { formatTime } from '../format.ts';
import { useI18n, useResource, useServices, type Resource } from '../hooks.ts';
import { ApiErrorNote } from './api-error.tsx';
import { SecretOnce } from './secret-once.tsx';

export type GatewaySecret = { gatewayId: string; username: string; password: string };

/**
 * The enterprise's gateway credentials, or nothing when `enterpriseId` is null: a user who may not
 * manage gateways must not ask, or the refusal lands in the security log on every visit.
 */
export function useGatewayCredentials(enterpriseId: string | null): Resource<GatewayCredentialInfo[]> {
  const { api } = useServices();
  return useResource(enterpriseId === null ? null : `gw-credentials|${enterpriseId}`, () =>
    api.get('/api/v1/gateways/credentials', { enterpriseId }).then((b) => checkGatewayCredentials(b, 'credentials')),
  );
}

export function GatewaySecretBox({ secret, onDismiss }: { secret: GatewaySecret; onDismiss: () => void }) {
  const { t } = useI18n();
  return (
    <SecretOnce
      secret={{
        title: t('gateways.secretTitle', { id: secret.gatewayId }),
        fields: [
          { name: 'username', label: t('secret.mqttUser'), value: secret.username },
          { name: 'password', label: t('secret.mqttPassword'), value: secret.password },
        ],
      }}
      onDismiss={onDismiss}
    />
  );
}

/**
 * A gateway's credential state and its buttons (issue; or rotate and withdraw, each confirmed first),
 * as two cells of the gateway's row.
 */
export function CredentialCells(props: {
  enterpriseId: string;
  gatewayId: string;
  credential: GatewayCredentialInfo | undefined;
  loaded: boolean;
  onIssued: (s: GatewaySecret) => void;
  onRevoked: () => void;
}) {
  const { enterpriseId, gatewayId, credential, loaded, onIssued, onRevoked } = props;
  const { lang, t } = useI18n();
  const { api } = useServices();
  const [confirming, setConfirming] = useState<'rotate' | 'revoke' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const rotate = credential !== undefined;
  const path = `/api/v1/gateways/${encodeURIComponent(enterpriseId)}/${encodeURIComponent(gatewayId)}/credentials`;

  const run = async (call: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      setConfirming(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const send = () =>
    run(async () => {
      const s = checkGatewaySecret(await api.send('POST', `${path}${rotate ? '/rotate' : ''}`), 'answer');
      onIssued({ gatewayId, ...s });
    });
  const revoke = () =>
    run(async () => {
      await api.send('DELETE', path);
      onRevoked();
    });

  return (
    <>
      <td data-testid={`credential-${gatewayId}`} data-issued={loaded ? String(rotate) : ''}>
        {!loaded ? (
          '—'
        ) : credential ? (
          <>
            {t('gateways.credIssued', { at: formatTime(credential.issuedAt, lang, Date.now()), by: credential.issuedBy })}
            {credential.rotations > 0 && <small class="muted"> · {t('gateways.credRotations', { n: credential.rotations })}</small>}
          </>
        ) : (
          <span class="muted">{t('gateways.credNone')}</span>
        )}
      </td>
      <td>
        {loaded && (
          <div class="row-actions">
            {!rotate ? (
              <button type="button" disabled={busy} data-testid={`credential-issue-${gatewayId}`} onClick={() => void send()}>
                {t('gateways.issue')}
              </button>
            ) : confirming ? (
              <span class="confirm" data-testid={`credential-confirm-${gatewayId}`}>
                <span class="confirm-text">{t(confirming === 'rotate' ? 'gateways.confirmRotate' : 'gateways.confirmRevoke')}</span>
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  data-testid={`credential-${confirming}-confirm-${gatewayId}`}
                  onClick={() => void (confirming === 'rotate' ? send() : revoke())}
                >
                  {t(confirming === 'rotate' ? 'gateways.rotate' : 'gateways.revoke')}
                </button>
                <button type="button" class="link" onClick={() => setConfirming(null)}>
                  {t('common.cancel')}
                </button>
              </span>
            ) : (
              <>
                <button type="button" data-testid={`credential-rotate-${gatewayId}`} onClick={() => { setConfirming('rotate'); setError(null); }}>
                  {t('gateways.rotate')}
                </button>
                <button type="button" data-testid={`credential-revoke-${gatewayId}`} onClick={() => { setConfirming('revoke'); setError(null); }}>
                  {t('gateways.revoke')}
                </button>
              </>
            )}
            {error !== null && <ApiErrorNote error={error} testId={`credential-error-${gatewayId}`} />}
          </div>
        )}
      </td>
    </>
  );
}
