/** The documents recently opened in this browser, newest first, kept in localStorage. */
import { isValidRoomId } from './room-id';

export interface RecentDocument {
  room: string;
  /** Epoch milliseconds of the last time it was opened here. */
  openedAt: number;
}

/** localStorage key of the list. */
export const RECENT_DOCUMENTS_STORAGE_KEY = 'tandem:recent-documents';
/** How many documents the list keeps. */
export const MAX_RECENT_DOCUMENTS = 20;

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/** Parses the stored list (kept newest first), dropping anything malformed. */
export function parseRecentDocuments(raw: string | null): RecentDocument[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value
      .filter((item): item is RecentDocument =>
        isValidRoomId(item?.room) && typeof item?.openedAt === 'number' && Number.isFinite(item.openedAt))
      // Stored order is the order of opening: a clock that jumps back must not reorder it.
      .slice(0, MAX_RECENT_DOCUMENTS);
  } catch {
    // Corrupt JSON: an empty list is the honest answer; the next visit rewrites it.
    return [];
  }
}

/** Moves (or adds) `room` to the top of the list and saves it; an invalid id changes nothing. */
export function recordRecentDocument(store: KeyValueStore, room: string, now = Date.now()): RecentDocument[] {
  const current = parseRecentDocuments(store.getItem(RECENT_DOCUMENTS_STORAGE_KEY));
  if (!isValidRoomId(room)) return current;
  const others = current.filter((d) => d.room !== room);
  const list = [{ room, openedAt: now }, ...others].slice(0, MAX_RECENT_DOCUMENTS);
  store.setItem(RECENT_DOCUMENTS_STORAGE_KEY, JSON.stringify(list));
  return list;
}
