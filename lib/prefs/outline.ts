/**
 * Whether this browser shows the outline panel open, kept in localStorage so the choice holds
 * across documents and reloads. Until it is chosen, the page decides (open on wide screens,
 * folded on phones).
 */
import type { KeyValueStore } from './key-value-store';

/** localStorage key of the choice. */
export const OUTLINE_STORAGE_KEY = 'tandem:outline';

/** The stored choice: true (open), false (folded) or null (never chosen). */
export function loadOutlineOpen(store: KeyValueStore): boolean | null {
  const value = store.getItem(OUTLINE_STORAGE_KEY);
  return value === 'open' ? true : value === 'closed' ? false : null;
}

export function saveOutlineOpen(store: KeyValueStore, open: boolean): void {
  store.setItem(OUTLINE_STORAGE_KEY, open ? 'open' : 'closed');
}
