import { useI18n } from '../hooks.ts';

export function StatusFooter({ rejected, error }: { rejected: number; error: string | null }) {
  const { t } = useI18n();
  if (!rejected && !error) return null;
  return (
    <footer class="status-footer" data-testid="status-footer">
      {rejected > 0 && <span>{t('footer.rejected', { count: rejected })}</span>}
      {error && <span class="footer-error">{t('footer.error', { message: error })}</span>}
    </footer>
  );
}
