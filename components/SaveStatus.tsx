'use client';
import type { SaveState, SaveTracker } from '../lib/client/save-tracker';
import { useSaveState } from './hooks/use-save-state';

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

/** A live, honest save indicator for the header. */
export function SaveStatus({ tracker }: { tracker: SaveTracker }) {
  const state = useSaveState(tracker);
  return (
    <span className={`save-status save-status-${state.kind}`} role="status" aria-label="Save status" data-state={state.kind}>
      {describeSaveState(state)}
    </span>
  );
}
