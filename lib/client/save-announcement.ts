/**
 * What a screen reader is told about saving. The tracker's state flips between "Saving…"
 * and "Saved" on every keystroke; announcing each flip would talk over the person's own typing
 * echo. So only what a person must act on or may stop worrying about is announced: the
 * connection was lost (once, not per change kept offline), changes are refused (and why), and
 * all is saved again after either.
 */
import type { SaveState, SaveTracker } from './save-tracker';

export const OFFLINE_ANNOUNCEMENT = 'Offline — changes are kept on this device';
export const SAVED_AGAIN_ANNOUNCEMENT = 'All changes saved';

/** Turns the stream of save states into the few announcements worth making. */
export class SaveAnnouncer {
  /** The last state that was not a passing one (saving, connecting): what the person was last told about. */
  private settled: SaveState | null = null;

  /** The announcement for `state` arriving now, or null for none. */
  next(state: SaveState): string | null {
    if (state.kind === 'saving' || state.kind === 'connecting') return null;
    const before = this.settled;
    this.settled = state;
    if (state.kind === 'offline') return before?.kind === 'offline' ? null : OFFLINE_ANNOUNCEMENT;
    if (state.kind === 'not-saved') {
      return before?.kind === 'not-saved' && before.reason === state.reason ? null : `Not saved — ${state.reason}`;
    }
    return before?.kind === 'offline' || before?.kind === 'not-saved' ? SAVED_AGAIN_ANNOUNCEMENT : null;
  }
}

/** The latest announcement about one tracker's states ('' until there is one), as an external store for React. */
export class SaveAnnouncements {
  private readonly announcer = new SaveAnnouncer();
  private latest: string;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly tracker: Pick<SaveTracker, 'getState' | 'subscribe'>) {
    this.latest = this.announcer.next(tracker.getState()) ?? '';
  }

  /** Every state the tracker passes through is fed to the one announcer, in order, however many listen. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    this.unsubscribe ??= this.tracker.subscribe(this.feed);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = null;
    };
  };

  getSnapshot = (): string => this.latest;

  private feed = (): void => {
    const next = this.announcer.next(this.tracker.getState());
    if (next === null) return;
    this.latest = next;
    for (const listener of this.listeners) listener();
  };
}
