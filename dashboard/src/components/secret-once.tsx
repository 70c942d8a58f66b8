import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../hooks.ts';

export type Secret = { title: string; fields: { label: string; value: string; name: string }[]; note?: string };

/**
 * A secret the server returns once (an API token, a gateway's MQTT password). It lives only in the
 * state of the screen that asked for it: closing the box or leaving the screen drops it for good.
 */
export function SecretOnce({ secret, onDismiss }: { secret: Secret; onDismiss: () => void }) {
  const { t } = useI18n();
  const box = useRef<HTMLElement>(null);
  // The form that asked may be a screen away from where the box appears.
  const shown = secret.fields.map((f) => f.value).join('\n');
  useEffect(() => box.current?.scrollIntoView({ block: 'nearest' }), [shown]);
  return (
    <section ref={box} class="secret-once" role="alert" data-testid="secret-once">
      <h4>{secret.title}</h4>
      <p class="secret-warning">{t('secret.warning')}</p>
      {secret.fields.map((f) => (
        <SecretField key={f.name} {...f} />
      ))}
      {secret.note && <p class="muted">{secret.note}</p>}
      <button type="button" class="primary" data-testid="secret-dismiss" onClick={onDismiss}>
        {t('secret.dismiss')}
      </button>
    </section>
  );
}

function SecretField({ label, value, name }: { label: string; value: string; name: string }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // The clipboard API needs a secure context (HTTPS or localhost); a plant LAN on plain HTTP has
      // none, so leave the text selected for Ctrl+C.
      input.current?.select();
      setCopied('failed');
    }
  };
  return (
    <label class="secret-field">
      {label}
      <span class="secret-row">
        <input ref={input} readOnly value={value} data-testid={`secret-${name}`} spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" data-testid={`secret-copy-${name}`} onClick={() => void copy()}>
          {copied === 'yes' ? t('secret.copied') : t('secret.copy')}
        </button>
      </span>
      {copied === 'failed' && <span class="form-error">{t('secret.copyFailed')}</span>}
    </label>
  );
}
