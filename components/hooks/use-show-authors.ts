'use client';
import { useCallback, useSyncExternalStore } from 'react';
import { loadShowAuthors, saveShowAuthors, SHOW_AUTHORS_STORAGE_KEY } from '../../lib/prefs/show-authors';
import { notifyLocalStorageChange, subscribeToLocalStorage } from './local-storage-events';

const subscribe = (onChange: () => void) => subscribeToLocalStorage(SHOW_AUTHORS_STORAGE_KEY, onChange);
const getSnapshot = () => loadShowAuthors(window.localStorage);

/** Whether "Show authors" is on in this browser (off while rendering on the server), and its setter. */
export function useShowAuthors(): [boolean, (on: boolean) => void] {
  const on = useSyncExternalStore(subscribe, getSnapshot, () => false);
  const setOn = useCallback((next: boolean) => {
    saveShowAuthors(window.localStorage, next);
    notifyLocalStorageChange(SHOW_AUTHORS_STORAGE_KEY);
  }, []);
  return [on, setOn];
}
