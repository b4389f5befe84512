/**
 * Handing an imported document from the home page to the new document's editor.
 *
 * Collaborative content must come only from the shared doc, so an import is never "initial
 * content": the home page converts the Markdown, makes a new room id and leaves the JSON in
 * this tab's sessionStorage under that room; the editor page, once it has synced with the
 * server, takes the entry (removing it first) and inserts it only if the server's document is
 * still empty. Why this is safe:
 * - Reload: the entry is gone before the insert, and the content is then in the doc, so a
 *   reload (or a reconnect) never inserts it again.
 * - Other tabs and other people: sessionStorage belongs to this tab, so nobody else holds the
 *   entry; someone who opened the link meanwhile only sees the content arrive.
 * - Duplicated tab (which copies sessionStorage) or any late second try: by then the server
 *   doc is not empty, so the insert is skipped.
 * - Offline or a failing server: nothing is inserted until the first sync; the entry waits.
 */
import type { JSONContent } from '@tiptap/core';

const KEY_PREFIX = 'tandem:import:';

/** A converted document waiting for its new room's editor. */
export interface PendingImport {
  /** The document, as TipTap JSON (lib/editor/markdown.ts markdownToJSON). */
  content: JSONContent;
  /** A title for the document, from the imported file's name. */
  title: string;
}

/** Leaves `pending` for the editor of `room` in this tab. */
export function stashImport(storage: Storage, room: string, pending: PendingImport): void {
  storage.setItem(KEY_PREFIX + room, JSON.stringify(pending));
}

/** True when this tab holds an import for `room` not yet inserted. */
export function hasPendingImport(storage: Storage, room: string): boolean {
  return storage.getItem(KEY_PREFIX + room) !== null;
}

/** Removes and returns the import left for `room`, or null. Call only when about to insert. */
export function takePendingImport(storage: Storage, room: string): PendingImport | null {
  const stored = storage.getItem(KEY_PREFIX + room);
  if (stored === null) return null;
  storage.removeItem(KEY_PREFIX + room);
  return JSON.parse(stored) as PendingImport;
}
