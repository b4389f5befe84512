/** The documents recently opened in this browser, newest first, kept in localStorage. */
import { isValidRoomId } from '../protocol/room-id';
import type { KeyValueStore } from './key-value-store';

export interface RecentDocument {
  room: string;
  /** Epoch milliseconds of the last time it was opened here. */
  openedAt: number;
  /** The document's title when last seen here; absent or empty means untitled. */
  title?: string;
}

/** localStorage key of the list. */
export const RECENT_DOCUMENTS_STORAGE_KEY = 'tandem:recent-documents';
/** How many documents the list keeps. */
export const MAX_RECENT_DOCUMENTS = 20;

/** Parses the stored list (kept newest first), dropping anything malformed. */
export function parseRecentDocuments(raw: string | null): RecentDocument[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value
      .filter((item): item is RecentDocument =>
        isValidRoomId(item?.room) && typeof item?.openedAt === 'number' && Number.isFinite(item.openedAt))
      .map((item) => (typeof item.title === 'string' && item.title
        ? { room: item.room, openedAt: item.openedAt, title: item.title }
        : { room: item.room, openedAt: item.openedAt }))
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
  const previous = current.find((d) => d.room === room);
  const others = current.filter((d) => d.room !== room);
  // Reopening keeps the title last seen until the document tells us its current one.
  const opened: RecentDocument = previous?.title ? { room, openedAt: now, title: previous.title } : { room, openedAt: now };
  const list = [opened, ...others].slice(0, MAX_RECENT_DOCUMENTS);
  store.setItem(RECENT_DOCUMENTS_STORAGE_KEY, JSON.stringify(list));
  return list;
}

/** Takes `room` off the list (a deleted document); an unlisted room writes nothing. */
export function forgetRecentDocument(store: KeyValueStore, room: string): RecentDocument[] {
  const current = parseRecentDocuments(store.getItem(RECENT_DOCUMENTS_STORAGE_KEY));
  const list = current.filter((d) => d.room !== room);
  if (list.length !== current.length) store.setItem(RECENT_DOCUMENTS_STORAGE_KEY, JSON.stringify(list));
  return list;
}

/**
 * Records the title of a listed document (seen on open or renamed by anyone while open),
 * keeping its place in the list; unlisted rooms and unchanged titles write nothing.
 */
export function recordRecentDocumentTitle(store: KeyValueStore, room: string, title: string): RecentDocument[] {
  const current = parseRecentDocuments(store.getItem(RECENT_DOCUMENTS_STORAGE_KEY));
  const listed = current.find((d) => d.room === room);
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  if (!listed || (listed.title ?? '') === cleanTitle) return current;
  const list = current.map((d) => {
    if (d.room !== room) return d;
    return cleanTitle ? { room: d.room, openedAt: d.openedAt, title: cleanTitle } : { room: d.room, openedAt: d.openedAt };
  });
  store.setItem(RECENT_DOCUMENTS_STORAGE_KEY, JSON.stringify(list));
  return list;
}
