/**
 * The save state as the header shows it. While someone types, each change is unsaved until its
 * SAVED arrives a few milliseconds later, so the tracker's state flips "Saving…" → "Saved" on
 * every keystroke; showing each flip re-renders, restyles and repaints the header inside the
 * very frame that shows the keystroke, and flickers. So "Saved" after "Saving…" is shown only
 * once it has held for a moment (a pause in the typing); every other change shows at once.
 * Never dishonest: "Saved" is shown later than it became true, never sooner.
 */
import { sameSaveState, type SaveState, type SaveTracker } from './save-tracker';

/** How long everything must stay saved after "Saving…" before "Saved" shows. */
export const SAVED_SETTLE_MS = 400;

export class ShownSaveState {
  private shown: SaveState;
  private settling: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly tracker: Pick<SaveTracker, 'getState' | 'subscribe'>,
    private readonly settleMs = SAVED_SETTLE_MS,
  ) {
    this.shown = tracker.getState();
  }

  /** Listens to the tracker while anyone listens here. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (!this.unsubscribe) {
      this.unsubscribe = this.tracker.subscribe(this.follow);
      this.follow();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = null;
      this.stopSettling();
    };
  };

  getSnapshot = (): SaveState => this.shown;

  private readonly follow = (): void => {
    const state = this.tracker.getState();
    if (state.kind === 'saved' && this.shown.kind === 'saving') {
      // Everything is stored, but the next keystroke may follow at once: wait for a pause.
      this.settling ??= setTimeout(this.settle, this.settleMs);
      return;
    }
    this.stopSettling();
    this.show(state);
  };

  private readonly settle = (): void => {
    this.settling = null;
    const state = this.tracker.getState();
    if (state.kind === 'saved') this.show(state);
  };

  private show(state: SaveState): void {
    // "Saving…" again at the next keystroke is a new object saying the same: nothing to render.
    if (sameSaveState(state, this.shown)) return;
    this.shown = state;
    for (const listener of this.listeners) listener();
  }

  private stopSettling(): void {
    if (this.settling) clearTimeout(this.settling);
    this.settling = null;
  }
}
