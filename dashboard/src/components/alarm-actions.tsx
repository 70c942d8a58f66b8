import { useState } from 'preact/hooks';
import type { AlarmRecord } from '@hazwatch/protocols';
import { ApiError } from '../api/client.ts';
import { can, type Action } from '../auth/permissions.ts';
import { useI18n, useServices, useUser } from '../hooks.ts';
import type { StringKey } from '../i18n/strings.ts';

type Form = { action: Action | 'unshelve'; fields: { name: string; label: StringKey; kind: 'text' | 'textarea' | 'number'; required: boolean }[]; path: string; label: StringKey };

const FORMS: Form[] = [
  { action: 'acknowledge', path: 'acknowledge', label: 'alarms.ack', fields: [{ name: 'comment', label: 'handling.comment', kind: 'text', required: false }] },
  { action: 'comment', path: 'comments', label: 'handling.addComment', fields: [{ name: 'text', label: 'handling.comment', kind: 'textarea', required: true }] },
  {
    action: 'assign',
    path: 'assign',
    label: 'handling.assign',
    fields: [
      { name: 'assignee', label: 'handling.assignee', kind: 'text', required: true },
      { name: 'note', label: 'handling.note', kind: 'text', required: false },
    ],
  },
  { action: 'close', path: 'close', label: 'handling.close', fields: [{ name: 'rectification', label: 'handling.rectification', kind: 'textarea', required: true }] },
  {
    action: 'shelve',
    path: 'shelve',
    label: 'handling.shelve',
    fields: [
      { name: 'reason', label: 'handling.reason', kind: 'text', required: true },
      { name: 'minutes', label: 'handling.minutes', kind: 'number', required: true },
    ],
  },
  { action: 'unshelve', path: 'unshelve', label: 'handling.unshelve', fields: [] },
  { action: 'request-rectification', path: 'rectification-requests', label: 'handling.requestRectification', fields: [{ name: 'text', label: 'handling.requirement', kind: 'textarea', required: true }] },
];

/** Which handling steps apply to the alarm as it stands (the server checks the same). */
function applicable(a: AlarmRecord, f: Form): boolean {
  const open = !a.closedAt;
  switch (f.action) {
    case 'acknowledge':
      return open && !a.acknowledgedAt;
    case 'close':
      return open && !!a.clearedAt; // 闭环 only after the condition has cleared (SPEC 5)
    case 'shelve':
      return open && !a.clearedAt && !a.shelvedUntil;
    case 'unshelve':
      return open && !!a.shelvedUntil;
    case 'assign':
      return open;
    case 'request-rectification':
      return true; // a regulator may also reject a closure already made
    default:
      return true;
  }
}

/** The handling forms of one alarm, for what the user's role allows. */
export function AlarmActions({ alarm, onDone }: { alarm: AlarmRecord; onDone: () => void }) {
  const { t } = useI18n();
  const { api } = useServices();
  const user = useUser();
  const [open, setOpen] = useState<Form | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const forms = FORMS.filter((f) => can(user, f.action === 'unshelve' ? 'shelve' : f.action) && applicable(alarm, f));
  if (forms.length === 0) return null;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!open) return;
    const body: Record<string, unknown> = {};
    for (const f of open.fields) {
      const v = (values[f.name] ?? '').trim();
      if (!v) continue;
      // The server marks a rectification request itself (【整改要求】).
      body[f.name] = f.kind === 'number' ? Number(v) : v;
    }
    setBusy(true);
    setError(null);
    try {
      await api.send('POST', `/api/v1/alarms/${encodeURIComponent(alarm.id)}/${open.path}`, body);
      setOpen(null);
      setValues({});
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message}${err.problems.length ? `: ${err.problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : ''}` : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="alarm-actions" data-testid="alarm-actions">
      <div class="action-buttons">
        {forms.map((f) => (
          <button type="button" key={f.action} class={open === f ? 'current' : ''} data-testid={`action-${f.action}`} onClick={() => { setOpen(f); setError(null); }}>
            {t(f.label)}
          </button>
        ))}
      </div>
      {open && (
        <form class="action-form" data-testid={`form-${open.action}`} onSubmit={(e) => void submit(e)}>
          {open.fields.map((f) => (
            <label key={f.name}>
              {t(f.label)}
              {f.kind === 'textarea' ? (
                <textarea name={f.name} required={f.required} maxLength={4000} value={values[f.name] ?? ''} onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })} />
              ) : (
                <input name={f.name} type="text" inputMode={f.kind === 'number' ? 'numeric' : 'text'} pattern={f.kind === 'number' ? '[0-9]+' : undefined} required={f.required} value={values[f.name] ?? ''} onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })} />
              )}
            </label>
          ))}
          <div class="form-buttons">
            <button type="submit" class="primary" disabled={busy} data-testid="action-submit">
              {t(open.label)}
            </button>
            <button type="button" class="link" onClick={() => setOpen(null)}>
              {t('common.cancel')}
            </button>
          </div>
          {error && <p class="form-error" role="alert" data-testid="action-error">{error}</p>}
        </form>
      )}
    </div>
  );
}
