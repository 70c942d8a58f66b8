// The audible alarm, synthesised with Web Audio (no sound files to ship or fetch).
// Browsers keep an AudioContext suspended until a user gesture, so the page starts `blocked` and
// shows a button; one click resumes it. Muting is deliberately not persisted: a control room that
// reloads must never come back silent because someone muted it yesterday, and a mute ends by itself
// after MUTE_MS.

export type SoundState = 'blocked' | 'on' | 'muted' | 'unsupported';

/** A mute lasts this long (ms), then the sound is on again: a control room is never left silent by a click. */
export const MUTE_MS = 5 * 60_000;

type AudioCtx = Pick<AudioContext, 'state' | 'resume' | 'currentTime' | 'destination' | 'createOscillator' | 'createGain'>;

export class AlarmSound {
  #ctx: AudioCtx | null = null;
  #state: SoundState;
  #beeps = 0;
  #listeners = new Set<() => void>();
  #unmute: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly makeContext: (() => AudioCtx) | null = defaultContextFactory(),
    private readonly muteMs = MUTE_MS,
  ) {
    this.#state = makeContext ? 'blocked' : 'unsupported';
    // Some browsers (kiosk set-ups with an autoplay policy) allow sound without a gesture.
    if (makeContext) {
      try {
        this.#ctx = makeContext();
        if (this.#ctx.state === 'running') this.#state = 'on';
      } catch {
        this.#state = 'unsupported';
      }
    }
  }

  get state(): SoundState {
    return this.#state;
  }

  /** How many alarm sounds were started; shown on the indicator for operators' and tests' benefit. */
  get beeps(): number {
    return this.#beeps;
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(state: SoundState): void {
    clearTimeout(this.#unmute);
    if (state === 'muted') this.#unmute = setTimeout(() => this.#state === 'muted' && this.#set('on'), this.muteMs);
    this.#state = state;
    for (const l of this.#listeners) l();
  }

  /** The indicator's click: unblock (within the user gesture), else toggle mute. */
  async click(): Promise<void> {
    if (this.#state === 'unsupported') return;
    if (this.#state === 'on') return this.#set('muted');
    if (this.#state === 'muted') return this.#set('on');
    try {
      this.#ctx ??= this.makeContext!();
      await this.#ctx.resume();
      const running = this.#ctx.state === 'running';
      this.#set(running ? 'on' : 'blocked');
      if (running) this.#tone(880, 0, 0.12); // confirms to the operator that sound works
    } catch {
      this.#set('unsupported');
    }
  }

  /** Alarm level: three high beeps; warning: one lower beep. Counted even when muted or blocked. */
  play(level: 'warning' | 'alarm'): void {
    this.#beeps++;
    if (this.#state === 'on') {
      if (level === 'alarm') for (let i = 0; i < 3; i++) this.#tone(1046, i * 0.22, 0.16);
      else this.#tone(660, 0, 0.3);
    }
    for (const l of this.#listeners) l();
  }

  #tone(hz: number, delayS: number, lengthS: number): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime + delayS;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = hz;
    // A short ramp avoids clicks at start and stop; 0.2 keeps a square wave loud but not painful.
    gain.gain.setValueAtTime(0, t0);
    gain.gain.linearRampToValueAtTime(0.2, t0 + 0.01);
    gain.gain.setValueAtTime(0.2, t0 + lengthS - 0.02);
    gain.gain.linearRampToValueAtTime(0, t0 + lengthS);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0);
    osc.stop(t0 + lengthS);
  }
}

function defaultContextFactory(): (() => AudioCtx) | null {
  const Ctor = typeof window === 'undefined' ? undefined : window.AudioContext;
  return Ctor ? () => new Ctor() : null;
}
