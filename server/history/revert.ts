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
import { COMMENT_MARK_NAME } from '../../lib/protocol/comments';
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
      // Comment marks made since stay: a restore keeps the threads on text that survives it.
      deleteFilter: (item) => !isCommentMarkItem(item),
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

/**
 * The body and title as one comparable string: the body's elements with their attributes and
 * its text with its marks, except comment marks (a restore keeps those: they are threads, not
 * the version's content).
 */
export function contentOf(doc: Y.Doc): string {
  return `${doc.getXmlFragment(CONTENT_FRAGMENT_NAME).toArray().map(nodeContent).join('')}\u0000${doc.getText(TITLE_TEXT_NAME).toString()}`;
}

function nodeContent(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
  if (node instanceof Y.XmlText) {
    // Runs that differ only by comment marks read as one run of the same text.
    const runs: { insert: unknown; attributes: string }[] = [];
    for (const { insert, attributes } of node.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[]) {
      const kept = JSON.stringify(
        Object.entries(attributes ?? {})
          .filter(([key]) => !isCommentMarkKey(key))
          .sort(([a], [b]) => a.localeCompare(b)),
      );
      const last = runs.at(-1);
      if (last && last.attributes === kept && typeof last.insert === 'string' && typeof insert === 'string') last.insert += insert;
      else runs.push({ insert, attributes: kept });
    }
    return JSON.stringify(runs);
  }
  if (node instanceof Y.XmlHook) return '<hook/>';
  const attributes = JSON.stringify(Object.entries(node.getAttributes()).sort(([a], [b]) => a.localeCompare(b)));
  return `<${node.nodeName} ${attributes}>${node.toArray().map(nodeContent).join('')}</${node.nodeName}>`;
}

/** Whether a format attribute is a comment mark (y-tiptap keys overlapping marks `comment--<hash>`). */
function isCommentMarkKey(key: string): boolean {
  return key === COMMENT_MARK_NAME || key.startsWith(`${COMMENT_MARK_NAME}--`);
}

function isCommentMarkItem(item: Y.Item): boolean {
  return item.content instanceof Y.ContentFormat && isCommentMarkKey(item.content.key);
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
