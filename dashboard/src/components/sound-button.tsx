import type { SoundState } from '../audio/alarm-sound.ts';
import { useI18n, useSound } from '../hooks.ts';

/** Always visible: operators must see at a glance whether alarms will be heard. */
export function SoundButton() {
  const { t } = useI18n();
  const { state, beeps, sound } = useSound();
  return (
    <button
      type="button"
      class={`sound sound-${state}`}
      data-testid="sound-indicator"
      data-state={state}
      data-beeps={beeps}
      disabled={state === 'unsupported'}
      title={state === 'unsupported' ? t('sound.unsupported') : t(`sound.title.${state}`)}
      onClick={() => void sound.click()}
    >
      <SpeakerIcon state={state} /> {t(`sound.${state}`)}
    </button>
  );
}

// Drawn, not an emoji: wall PCs often lack a colour-emoji font and would show an empty box.
function SpeakerIcon({ state }: { state: SoundState }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="1.1em" height="1.1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
      {state === 'on' && <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" />}
      {(state === 'muted' || state === 'unsupported') && <path d="M16 9l6 6M22 9l-6 6" />}
      {state === 'blocked' && <path d="M17 12h.01M20 12h.01" />}
    </svg>
  );
}
