/**
 * Change notifications for localStorage keys: the `storage` event covers other tabs; writes in
 * this tab call notifyLocalStorageChange so hooks built on useSyncExternalStore re-read.
 */
const LOCAL_EVENT = 'tandem:local-storage';

/** Subscribes to changes of `key` from this and other tabs; returns the unsubscribe. */
export function subscribeToLocalStorage(key: string, onChange: () => void): () => void {
  const onStorage = (event: StorageEvent) => {
    if (event.key === key || event.key === null) onChange();
  };
  const onLocal = (event: Event) => {
    if ((event as CustomEvent<string>).detail === key) onChange();
  };
  window.addEventListener('storage', onStorage);
  window.addEventListener(LOCAL_EVENT, onLocal);
  return () => {
    window.removeEventListener('storage', onStorage);
    window.removeEventListener(LOCAL_EVENT, onLocal);
  };
}

/** Tells this tab's subscribers that `key` changed. */
export function notifyLocalStorageChange(key: string): void {
  window.dispatchEvent(new CustomEvent(LOCAL_EVENT, { detail: key }));
}
