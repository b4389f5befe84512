'use client';
import { useSyncExternalStore } from 'react';
import type { SaveState, SaveTracker } from '../../lib/client/save-tracker';

const CONNECTING: SaveState = { kind: 'connecting' };

/** The live save state of a document (see lib/client/save-tracker.ts). */
export function useSaveState(tracker: SaveTracker): SaveState {
  return useSyncExternalStore(tracker.subscribe, tracker.getState, () => CONNECTING);
}
