import { can } from '../auth/permissions.ts';
import { Forbidden } from '../components/forbidden.tsx';
import { SecurityLog } from '../components/security-log.tsx';
import { TokensAdmin } from '../components/tokens-admin.tsx';
import { UsersAdmin } from '../components/users-admin.tsx';
import { useI18n, useUser } from '../hooks.ts';

/**
 * 系统管理: what belongs to no enterprise (the regulators' and admins' accounts, the platform's API
 * tokens) and the whole security log. The admin's alone: anyone else gets the refusal before any
 * panel mounts, so the page never asks the API for what it would refuse (and log as a denial).
 */
export function AdminView() {
  const user = useUser();
  const { t } = useI18n();
  if (!can(user, 'manage-platform')) return <Forbidden what={t('app.view.admin')} />;
  return (
    <div class="admin-view access-admin" data-testid="admin-view">
      <header class="view-head">
        <h2>{t('app.view.admin')}</h2>
        <p class="muted">{t('admin.lead')}</p>
      </header>
      <UsersAdmin scope="platform" />
      <TokensAdmin scope="platform" />
      <SecurityLog />
    </div>
  );
}
