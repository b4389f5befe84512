'use client';
import type { SaveState, SaveTracker } from '../lib/client/save-tracker';
import { useSaveAnnouncement } from './hooks/use-save-announcement';
import { useShownSaveState } from './hooks/use-shown-save-state';

/** The words for each save state; "Saved" only when the server acknowledged everything. */
export function describeSaveState(state: SaveState): string {
  switch (state.kind) {
    case 'connecting':
      return 'Connecting…';
    case 'saving':
      return 'Saving…';
    case 'saved':
      return 'Saved';
    case 'offline':
      if (state.unsavedCount === 0) return 'Offline';
      return `Offline — ${state.unsavedCount} ${state.unsavedCount === 1 ? 'change' : 'changes'} kept on this device`;
    case 'not-saved':
      return `Not saved — ${state.reason}`;
  }
}

/**
 * A live, honest save indicator for the header: "Saved" only once everything is stored, and
 * while someone types it stays "Saving…" until a pause (lib/client/shown-save-state.ts). The
 * visible status is a status a screen reader can ask for but that does not speak up by itself;
 * a hidden live region says only what matters (lib/client/save-announcement.ts).
 */
export function SaveStatus({ tracker }: { tracker: SaveTracker }) {
  const state = useShownSaveState(tracker);
  const announcement = useSaveAnnouncement(tracker);
  return (
    <>
      <span className={`save-status save-status-${state.kind}`} role="status" aria-live="off" aria-label="Save status" data-state={state.kind}>
        {describeSaveState(state)}
      </span>
      <span className="visually-hidden" aria-live="polite" data-save-announcement="">
        {announcement}
      </span>
    </>
  );
}
