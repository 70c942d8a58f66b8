import type { Role } from '../auth/session.ts';
import { useId } from 'preact/hooks';
import { useI18n } from '../hooks.ts';

/**
 * A regulator's (or a regulator token's) region. `invalid` is set by the form on a refused submit,
 * so the rule is named before the server is asked, next to the input it is about.
 */
export function RegionInput({ value, invalid, onInput }: { value: string; invalid: boolean; onInput: (v: string) => void }) {
  const { t } = useI18n();
  const errorId = useId();
  // Not `required`: an empty region gets the same rule, in the page's language, as a malformed one.
  // The rule stands under the input, outside its label: the input's name stays 行政区划, and the rule
  // is its description (aria-describedby), read once.
  return (
    <div class="field">
      <label>
        {t('users.region')}
        <input
          name="region"
          autoComplete="off"
          inputMode="numeric"
          placeholder={t('users.regionHint')}
          aria-invalid={invalid}
          aria-describedby={invalid ? errorId : undefined}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      </label>
      {invalid && (
        <span id={errorId} class="form-error field-error" role="alert" data-testid="region-invalid">
          {t('users.regionInvalid')}
        </span>
      )}
    </div>
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
