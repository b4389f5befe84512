/**
 * Hand-made Yjs updates no stock client sends, for the document-guard tests: deep nesting,
 * deletions of clocks nobody holds, and updates whose predecessors never arrive.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** `depth` blockquotes, each inside the last, under `parent`; returns the innermost. */
export function nest(parent: Y.XmlFragment | Y.XmlElement, depth: number): Y.XmlElement {
  let inner = parent;
  for (let level = 0; level < depth; level++) {
    const quote = new Y.XmlElement('blockquote');
    inner.insert(0, [quote]);
    inner = quote;
  }
  return inner as Y.XmlElement;
}

/** A V1 update holding only the deletion of `[clock, clock + length)` of `client`. */
export function deletionOnly(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder();
  // No structs; a delete set of one client with one range.
  for (const value of [0, 1, client, 1, clock, length]) encoding.writeVarUint(encoder, value);
  return encoding.toUint8Array(encoder);
}

/** An update continuing the title from a point the server never saw: it can never integrate. */
export function danglingUpdate(words: string): Uint8Array {
  const author = new Y.Doc();
  author.getText('title').insert(0, 'never sent ');
  const unseen = Y.encodeStateVector(author);
  author.getText('title').insert(11, words);
  const update = Y.encodeStateAsUpdate(author, unseen);
  author.destroy();
  return update;
}
