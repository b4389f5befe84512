/**
 * Another person's caret in our editor: where it is (their awareness cursor, a Yjs relative
 * position, resolved against our copy of the document) and bringing it into view by scrolling
 * the page only, never touching our own selection.
 */
import type { Editor } from '@tiptap/core';
import { relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { isPresenceState } from '../protocol/presence-schema';

/** Fraction of the viewport kept clear at the top (sticky header) and bottom (status line). */
const COMFORT_MARGIN = 0.2;

/** The document position of `clientId`'s caret (their selection head); null if they have none here. */
export function caretPositionOf(editor: Editor, awareness: Awareness, clientId: number): number | null {
  const state = awareness.getStates().get(clientId);
  // Presence is other people's JSON: only a state in Tandem's schema holds a position Yjs can read.
  if (!isPresenceState(state) || !state.cursor) return null;
  const { head } = state.cursor;
  const sync = ySyncPluginKey.getState(editor.state);
  if (!sync?.binding || !sync.type) return null;
  const position = relativePositionToAbsolutePosition(
    sync.doc,
    sync.type,
    Y.createRelativePositionFromJSON(head),
    sync.binding.mapping,
  );
  return position === null ? null : Math.max(0, Math.min(position, editor.state.doc.content.size));
}

/**
 * Scrolls the page so `position` is in view: always centred for a jump, and for following
 * only when it has drifted out of the comfortable middle of the viewport.
 */
export function revealPosition(editor: Editor, position: number, mode: 'centre' | 'keep-in-view'): void {
  const { top, bottom } = editor.view.coordsAtPos(position);
  const height = window.innerHeight;
  if (mode === 'keep-in-view' && top >= height * COMFORT_MARGIN && bottom <= height * (1 - COMFORT_MARGIN)) return;
  window.scrollBy({ top: (top + bottom) / 2 - height / 2, left: 0, behavior: 'instant' });
}
