/**
 * The two ways to turn a live document back into a version, as a forward change (an update
 * every client applies like any other edit, so edits made meanwhile merge with it):
 *
 * - `revertToVersion`, "git revert": a temp doc holds the version; the live document's newer
 *   changes are applied to it under an UndoManager over the body and the title, then undone.
 *   Undo deletes what was added since and re-creates what was deleted since (Yjs' redo), so
 *   text that survived keeps its items (and so its author and comment marks), and the update
 *   is small. Costs up to about a second on a large, long-edited document.
 * - `replaceWithVersion`: deletes the body and title and inserts a copy of the version's. Fast
 *   and always correct, but every character becomes a new item of the restorer's client.
 *
 * Both run on plain bytes, so restore.ts can run them on a worker thread.
 */
import * as Y from 'yjs';
import { CONTENT_FRAGMENT_NAME, TITLE_TEXT_NAME } from '../../lib/protocol/document-schema';

/**
 * Items the restore re-created as copies of earlier items (Yjs' redo): clocks of the
 * restorer's client id and the id (client, clock) of the items they copy, so authorship can
 * follow the text rather than the restorer (also through a copy of a copy).
 */
export interface RestoredRange {
  clock: number;
  length: number;
  originalClient: number;
  /** Clock of the copied item that the range's first clock copies; the rest follow it. */
  originalClock: number;
}

export interface RevertResult {
  /** v1 update to apply to the live document (an empty update when nothing differs). */
  update: Uint8Array;
  restored: RestoredRange[];
}

/** An update that changes nothing. */
const NO_CHANGE = Y.encodeStateAsUpdate(new Y.Doc());

/** Reverts the live state's changes since the version. `clientId` must be new to the live document. */
export function revertToVersion(live: Uint8Array, target: Uint8Array, clientId: number): RevertResult {
  const tmp = new Y.Doc();
  tmp.clientID = clientId;
  try {
    Y.applyUpdate(tmp, target);
    const versionContent = contentOf(tmp);
    const since = Symbol('changes since the version');
    const undo = new Y.UndoManager([tmp.getXmlFragment(CONTENT_FRAGMENT_NAME), tmp.getText(TITLE_TEXT_NAME)], {
      trackedOrigins: new Set([since]),
      captureTimeout: Number.POSITIVE_INFINITY,
    });
    // Everything the live doc has beyond the version: its newer structs and its whole delete
    // set (deletions of the version's items carry no clock the version lacks).
    Y.applyUpdate(tmp, Y.diffUpdate(live, Y.encodeStateVector(tmp)), since);
    if (contentOf(tmp) === versionContent) return { update: NO_CHANGE, restored: [] };
    const updates: Uint8Array[] = [];
    tmp.on('update', (update: Uint8Array) => updates.push(update));
    while (undo.undoStack.length > 0) undo.undo();
    undo.destroy();
    if (contentOf(tmp) !== versionContent) throw new Error('the revert did not reproduce the version');
    return { update: updates.length === 1 ? updates[0] : Y.mergeUpdates(updates), restored: restoredRanges(tmp) };
  } finally {
    tmp.destroy();
  }
}

/** Replaces the live body and title with copies of the version's, as new items of `clientId`. */
export function replaceWithVersion(live: Uint8Array, target: Uint8Array, clientId: number): Uint8Array {
  const doc = new Y.Doc();
  const version = new Y.Doc();
  try {
    doc.clientID = clientId;
    Y.applyUpdate(doc, live);
    Y.applyUpdate(version, target);
    let update: Uint8Array = NO_CHANGE;
    doc.on('update', (u: Uint8Array) => (update = u));
    doc.transact(() => {
      const body = doc.getXmlFragment(CONTENT_FRAGMENT_NAME);
      body.delete(0, body.length);
      body.insert(0, version.getXmlFragment(CONTENT_FRAGMENT_NAME).toArray().map(copyNode));
      const title = doc.getText(TITLE_TEXT_NAME);
      title.delete(0, title.length);
      title.applyDelta(version.getText(TITLE_TEXT_NAME).toDelta());
    });
    return update;
  } finally {
    doc.destroy();
    version.destroy();
  }
}

/** A deep copy of a body node (ProseMirror's Yjs binding writes elements and texts, never hooks). */
function copyNode(node: Y.XmlElement | Y.XmlText | Y.XmlHook): Y.XmlElement | Y.XmlText {
  if (node instanceof Y.XmlHook) throw new Error('the version holds an XML hook, which Tandem documents never do');
  return node.clone();
}

/** The body and title as one comparable string (XML of the body, with marks and attributes). */
export function contentOf(doc: Y.Doc): string {
  return `${doc.getXmlFragment(CONTENT_FRAGMENT_NAME).toString()}\u0000${doc.getText(TITLE_TEXT_NAME).toString()}`;
}

/** Every item redo copied, as ranges of the copies, joined where one original run continues. */
function restoredRanges(doc: Y.Doc): RestoredRange[] {
  const ranges: RestoredRange[] = [];
  doc.store.clients.forEach((structs, client) => {
    if (client === doc.clientID) return;
    for (const struct of structs) {
      if (struct instanceof Y.Item && struct.redone !== null) {
        ranges.push({ clock: struct.redone.clock, length: struct.length, originalClient: client, originalClock: struct.id.clock });
      }
    }
  });
  ranges.sort((a, b) => a.clock - b.clock);
  const joined: RestoredRange[] = [];
  for (const range of ranges) {
    const last = joined.at(-1);
    const continues =
      last !== undefined &&
      last.originalClient === range.originalClient &&
      last.clock + last.length === range.clock &&
      last.originalClock + last.length === range.originalClock;
    if (continues) last.length += range.length;
    else joined.push({ ...range });
  }
  return joined;
}
