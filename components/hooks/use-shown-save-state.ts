'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type { SaveState, SaveTracker } from '../../lib/client/save-tracker';
import { ShownSaveState } from '../../lib/client/shown-save-state';

const CONNECTING: SaveState = { kind: 'connecting' };

/** The save state as the header shows it: the tracker's, with "Saved" after a pause (lib/client/shown-save-state.ts). */
export function useShownSaveState(tracker: SaveTracker): SaveState {
  const shown = useMemo(() => new ShownSaveState(tracker), [tracker]);
  return useSyncExternalStore(shown.subscribe, shown.getSnapshot, () => CONNECTING);
}
