import type { Role } from '../auth/session.ts';
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

/**
 * An account's or token's role, and its region when the role is a regulator's (the one role that has
 * one): the same pair in the create forms and the role change.
 */
export function RoleFields(props: {
  label: string;
  roles: readonly Role[];
  role: Role;
  onRole: (r: Role) => void;
  region: string;
  regionInvalid: boolean;
  onRegion: (v: string) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <label>
        {props.label}
        <select name="role" value={props.role} onChange={(e) => props.onRole(e.currentTarget.value as Role)}>
          {props.roles.map((r) => (
            <option key={r} value={r}>{t(`role.${r}`)}</option>
          ))}
        </select>
      </label>
      {props.role === 'regulator' && <RegionInput value={props.region} invalid={props.regionInvalid} onInput={props.onRegion} />}
    </>
  );
}
