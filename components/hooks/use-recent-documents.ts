'use client';
import { useSyncExternalStore } from 'react';
import {
  forgetRecentDocument,
  parseRecentDocuments,
  RECENT_DOCUMENTS_STORAGE_KEY,
  recordRecentDocument,
  recordRecentDocumentTitle,
  type RecentDocument,
} from '../../lib/prefs/recent-documents';
import { notifyLocalStorageChange, subscribeToLocalStorage } from './local-storage-events';

const EMPTY: RecentDocument[] = [];
let cachedRaw: string | null = null;
let cachedList: RecentDocument[] = EMPTY;

function getSnapshot(): RecentDocument[] {
  const raw = window.localStorage.getItem(RECENT_DOCUMENTS_STORAGE_KEY);
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cachedList = parseRecentDocuments(raw);
  }
  return cachedList;
}

const subscribe = (onChange: () => void) => subscribeToLocalStorage(RECENT_DOCUMENTS_STORAGE_KEY, onChange);

/** The documents recently opened in this browser, newest first (empty on the server). */
export function useRecentDocuments(): RecentDocument[] {
  return useSyncExternalStore(subscribe, getSnapshot, () => EMPTY);
}

/** Records that `room` was opened now. */
export function rememberDocument(room: string): void {
  recordRecentDocument(window.localStorage, room);
  notifyLocalStorageChange(RECENT_DOCUMENTS_STORAGE_KEY);
}

/** Records the title `room` has now (seen on open or renamed by anyone), for the home page. */
export function rememberDocumentTitle(room: string, title: string): void {
  recordRecentDocumentTitle(window.localStorage, room, title);
  notifyLocalStorageChange(RECENT_DOCUMENTS_STORAGE_KEY);
}

/** Takes `room` off the list: its document was deleted. */
export function forgetDocument(room: string): void {
  forgetRecentDocument(window.localStorage, room);
  notifyLocalStorageChange(RECENT_DOCUMENTS_STORAGE_KEY);
}
