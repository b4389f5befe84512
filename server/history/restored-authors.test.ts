/**
 * Restored text keeps its authors, over real Y.Docs: Alice and Bob write, Carol deletes it all,
 * a real revert (revert.ts) re-creates it under the restore's client id, and the overrides
 * made from its copies must give every restored character back to whoever first typed it
 * (each person types only their own letter, so "who wrote this" is read off the text), also
 * inside the one item Yjs merges consecutive copies into, and through a restore of restored
 * text. (lib/authorship/author-paint.test.ts paints such copies.)
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AttributionOverride } from '../storage';
import { overrideIndexOf, restoredAuthorOverrides } from './restored-authors';
import { revertToVersion } from './revert';

/** One paragraph's text: "aaaa" typed by Alice, "bbb" by Bob after it; the doc and who is who. */
function aliceThenBob() {
  // Fixed client ids: the order redo re-creates items in (and so whether Yjs can merge the
  // copies into one item) follows them.
  const alice = new Y.Doc();
  alice.clientID = 200;
  const text = new Y.XmlText();
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [text]);
  alice.getXmlFragment('default').insert(0, [paragraph]);
  text.insert(0, 'aaaa');
  const bob = new Y.Doc();
  bob.clientID = 100;
  Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
  ((bob.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(4, 'bbb');
  const authors = new Map<number, string>([
    [alice.clientID, 'alice'],
    [bob.clientID, 'bob'],
  ]);
  return { doc: bob, authors };
}

/** `doc` with its whole body deleted by a client of `author` (bound in `authors`). */
function deleteEverything(doc: Y.Doc, authors: Map<number, string>, author: string): Y.Doc {
  const deleter = new Y.Doc();
  deleter.clientID = 300 + authors.size;
  Y.applyUpdate(deleter, Y.encodeStateAsUpdate(doc));
  authors.set(deleter.clientID, author);
  const body = deleter.getXmlFragment('default');
  body.delete(0, body.length);
  return deleter;
}

/** Restores `version` over `live` as `restorer` with a fresh client id; returns the new live doc and the overrides made. */
function restore(live: Y.Doc, version: Uint8Array, authors: Map<number, string>, restorer: string, earlier: AttributionOverride[]) {
  const restoreClient = 4_000_000_000 + authors.size;
  const { update, restored } = revertToVersion(Y.encodeStateAsUpdate(live), version, restoreClient);
  authors.set(restoreClient, restorer);
  const overrides = restoredAuthorOverrides({
    restoreClient,
    restored,
    authorOf: (client) => authors.get(client),
    earlier: overrideIndexOf(earlier),
    restorer,
  });
  const after = new Y.Doc();
  Y.applyUpdate(after, Y.encodeStateAsUpdate(live));
  Y.applyUpdate(after, update);
  return { doc: after, restoreClient, overrides };
}

/**
 * The body's first paragraph with each character replaced by the first letter of its author:
 * the override covering its clock if any, else its client's binding ("?" for nobody).
 */
function authorLetters(doc: Y.Doc, authors: Map<number, string>, overrides: AttributionOverride[]): string {
  const index = overrideIndexOf(overrides);
  const text = (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  let letters = '';
  for (let item = text._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue;
    const { client, clock } = item.id;
    const letter = (author: string | null | undefined, length: number) => (letters += (author ?? authors.get(client) ?? '?')[0].repeat(length));
    if (!index.forEachPiece(client, clock, item.length, letter)) letter(undefined, item.length);
  }
  return letters;
}

/** The visible text items of the body's first paragraph: [client, text]. */
function textItems(doc: Y.Doc): [number, string][] {
  const text = (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  const items: [number, string][] = [];
  for (let item = text._start; item !== null; item = item.right) {
    if (!item.deleted) items.push([item.id.client, (item.content.getContent() as string[]).join('')]);
  }
  return items;
}

describe('restored text keeps its authors', () => {
  it('Carol restores what she deleted: Alice’s and Bob’s words are theirs again, split inside the one item Yjs merged them into', () => {
    const { doc, authors } = aliceThenBob();
    const version = Y.encodeStateAsUpdate(doc);
    const deleted = deleteEverything(doc, authors, 'carol');
    const { doc: live, restoreClient, overrides } = restore(deleted, version, authors, 'carol', []);

    // Yjs joined the two copies: one item of the restore's client holds both people's letters.
    expect(textItems(live)).toEqual([[restoreClient, 'aaaabbb']]);
    expect(overrides.every((override) => override.clientId === restoreClient)).toBe(true);
    expect(authorLetters(live, authors, overrides)).toBe('aaaabbb');
    // Without the overrides the same text is all the restorer's (what the binding alone says).
    expect(authorLetters(live, authors, [])).toBe('ccccccc');
  });

  it('a restore of restored text follows the copies back to the people who typed it', () => {
    const { doc, authors } = aliceThenBob();
    const version = Y.encodeStateAsUpdate(doc);
    const first = restore(deleteEverything(doc, authors, 'carol'), version, authors, 'carol', []);
    const restoredVersion = Y.encodeStateAsUpdate(first.doc);
    const second = restore(deleteEverything(first.doc, authors, 'dave'), restoredVersion, authors, 'dave', first.overrides);

    expect(textItems(second.doc)).toEqual([[second.restoreClient, 'aaaabbb']]);
    expect(second.overrides.every((override) => override.clientId === second.restoreClient)).toBe(true);
    expect(authorLetters(second.doc, authors, [...first.overrides, ...second.overrides])).toBe('aaaabbb');
    // Dave restored Carol's copies: without following her overrides they would read as hers.
    expect(authorLetters(second.doc, authors, second.overrides)).toBe('aaaabbb');
  });

  it('copies of the restorer’s own text and of text nobody is known for get no override', () => {
    const { doc, authors } = aliceThenBob();
    const version = Y.encodeStateAsUpdate(doc);
    // Bob restores: his own words need nothing beyond his binding.
    const byBob = restore(deleteEverything(doc, authors, 'carol'), version, authors, 'bob', []);
    expect(byBob.overrides.length).toBeGreaterThan(0);
    expect(byBob.overrides.filter((override) => override.authorId !== 'alice')).toEqual([]);
    expect(authorLetters(byBob.doc, authors, byBob.overrides)).toBe('aaaabbb');

    // Text from before history was kept: its writers are bound to nobody, so it stays the restorer's.
    const { doc: old } = aliceThenBob();
    const unknown = new Map<number, string>();
    const oldVersion = Y.encodeStateAsUpdate(old);
    const byCarol = restore(deleteEverything(old, unknown, 'carol'), oldVersion, unknown, 'carol', []);
    expect(byCarol.overrides).toEqual([]);
    expect(authorLetters(byCarol.doc, unknown, byCarol.overrides)).toBe('ccccccc');
  });
});
