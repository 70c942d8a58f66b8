import { SecurityLog } from './security-log.tsx';
import { TokensAdmin } from './tokens-admin.tsx';
import { UsersAdmin } from './users-admin.tsx';

/** 账户与权限: who may use the platform for one enterprise, and what the security log recorded of it. */
export function AccessAdmin({ enterpriseId }: { enterpriseId: string }) {
  return (
    <div class="access-admin" data-testid="access-admin">
      <UsersAdmin scope={{ enterpriseId }} />
      <TokensAdmin scope={{ enterpriseId }} />
      <SecurityLog enterpriseId={enterpriseId} />
    </div>
  );
}
