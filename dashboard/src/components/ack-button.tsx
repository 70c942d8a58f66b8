import { useState } from 'preact/hooks';
import type { AlarmRecord } from '@hazwatch/protocols';
import { ApiError } from '../api/client.ts';
import { useI18n, useServices } from '../hooks.ts';

/**
 * 确认 with an optional comment, right in the alarm list: one click opens the comment field, Enter
 * (or the button) sends it. The record comes back over socket.io like every other change.
 */
export function AckButton({ alarm, onDone }: { alarm: AlarmRecord; onDone?: (a: AlarmRecord) => void }) {
  const { t } = useI18n();
  const { api } = useServices();
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (alarm.acknowledgedAt) {
    return (
      <span class="acked" data-testid={`acked-${alarm.id}`} title={alarm.acknowledgedAt}>
        {t('alarms.acked', { by: alarm.acknowledgedBy ?? '?' })}
      </span>
    );
  }
  if (!open) {
    return (
      <button type="button" class="ack" data-testid={`ack-${alarm.id}`} onClick={() => setOpen(true)}>
        {t('alarms.ack')}
      </button>
    );
  }
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.send<{ alarm: AlarmRecord }>('POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/acknowledge`, comment.trim() ? { comment: comment.trim() } : {});
      setOpen(false);
      onDone?.(r.alarm);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="ack-form" onSubmit={(e) => void send(e)}>
      <input
        data-testid={`ack-comment-${alarm.id}`}
        aria-label={t('alarms.ack.comment')}
        placeholder={t('alarms.ack.comment')}
        maxLength={2000}
        value={comment}
        onInput={(e) => setComment(e.currentTarget.value)}
        autoFocus
      />
      <button type="submit" class="ack primary" disabled={busy} data-testid={`ack-send-${alarm.id}`}>
        {t('alarms.ack.send')}
      </button>
      <button type="button" class="link" onClick={() => setOpen(false)}>
        {t('common.cancel')}
      </button>
      {error && <span class="form-error">{error}</span>}
    </form>
  );
}
