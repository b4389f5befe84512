'use client';
import { useCallback, useSyncExternalStore } from 'react';
import { IDENTITY_STORAGE_KEY, loadIdentity, saveIdentity, type Identity, type PresenceIdentity } from '../../lib/prefs/identity';
import { notifyLocalStorageChange, subscribeToLocalStorage } from './local-storage-events';

let cachedRaw: string | null = null;
let cachedIdentity: Identity | null = null;

function getSnapshot(): Identity {
  const identity = loadIdentity(window.localStorage);
  // Same reference while unchanged, as useSyncExternalStore requires.
  const raw = JSON.stringify(identity);
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cachedIdentity = identity;
  }
  return cachedIdentity as Identity;
}

const subscribe = (onChange: () => void) => subscribeToLocalStorage(IDENTITY_STORAGE_KEY, onChange);

/**
 * This browser's presence identity (null during server rendering) and a setter that saves it.
 * Invalid edits (an empty name) are ignored, so the saved identity is always usable; the author
 * key never changes through the setter.
 */
export function useIdentity(): [Identity | null, (next: PresenceIdentity) => void] {
  const identity = useSyncExternalStore(subscribe, getSnapshot, () => null);
  const setIdentity = useCallback((next: PresenceIdentity) => {
    if (saveIdentity(window.localStorage, next)) notifyLocalStorageChange(IDENTITY_STORAGE_KEY);
  }, []);
  return [identity, setIdentity];
}
