'use client';
import { useCallback, useSyncExternalStore } from 'react';
import { loadOutlineOpen, OUTLINE_STORAGE_KEY, saveOutlineOpen } from '../../lib/prefs/outline';
import { notifyLocalStorageChange, subscribeToLocalStorage } from './local-storage-events';

/** Below this width (a phone) the outline starts folded until someone opens it. */
const NARROW_SCREEN_QUERY = '(max-width: 700px)';

const subscribe = (onChange: () => void) => subscribeToLocalStorage(OUTLINE_STORAGE_KEY, onChange);
const getSnapshot = () => loadOutlineOpen(window.localStorage) ?? !window.matchMedia(NARROW_SCREEN_QUERY).matches;

/** Whether the outline is open in this browser (folded while rendering on the server), and its setter. */
export function useOutlineOpen(): [boolean, (open: boolean) => void] {
  const open = useSyncExternalStore(subscribe, getSnapshot, () => false);
  const setOpen = useCallback((next: boolean) => {
    saveOutlineOpen(window.localStorage, next);
    notifyLocalStorageChange(OUTLINE_STORAGE_KEY);
  }, []);
  return [open, setOpen];
}
