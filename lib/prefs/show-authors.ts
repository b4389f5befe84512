/**
 * Whether this browser shows who wrote what ("Show authors"), kept in localStorage so the
 * choice holds across documents and reloads. Off unless turned on.
 */
import type { KeyValueStore } from './key-value-store';

/** localStorage key of the choice. */
export const SHOW_AUTHORS_STORAGE_KEY = 'tandem:show-authors';

/** The stored choice: on only if it was saved as on. */
export function loadShowAuthors(store: KeyValueStore): boolean {
  return store.getItem(SHOW_AUTHORS_STORAGE_KEY) === 'on';
}

export function saveShowAuthors(store: KeyValueStore, on: boolean): void {
  store.setItem(SHOW_AUTHORS_STORAGE_KEY, on ? 'on' : 'off');
}
