import { useI18n } from '../hooks.ts';

/**
 * A regulator's (or a regulator token's) region. `invalid` is set by the form on a refused submit,
 * so the rule is named before the server is asked, next to the input it is about.
 */
export function RegionInput({ value, invalid, onInput }: { value: string; invalid: boolean; onInput: (v: string) => void }) {
  const { t } = useI18n();
  return (
    <label>
      {t('users.region')}
      <input
        name="region"
        required
        autoComplete="off"
        inputMode="numeric"
        placeholder={t('users.regionHint')}
        aria-invalid={invalid}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {invalid && (
        <span class="form-error field-error" role="alert" data-testid="region-invalid">
          {t('users.regionInvalid')}
        </span>
      )}
    </label>
  );
}
