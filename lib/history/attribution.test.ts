import { toBase64 } from 'lib0/buffer';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AuthorshipResponse } from '../protocol/history-api';
import { historyAuthorshipFrom, UNKNOWN_AUTHOR_COLOR, UNKNOWN_AUTHOR_ID, type ServerAttribution } from './attribution';

const ALICE = { id: 'a1a1a1a1a1a1a1a1', name: 'Alice', color: '#175cd3' };
const BOB = { id: 'b2b2b2b2b2b2b2b2', name: 'Bob', color: '#b42318' };

/** One paragraph in the document's body, as the editor makes it. */
function paragraphText(doc: Y.Doc): Y.XmlText {
  const body = doc.getXmlFragment('default');
  if (body.length === 0) {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText()]);
    body.insert(0, [paragraph]);
  }
  return (body.get(0) as Y.XmlElement).get(0) as Y.XmlText;
}

/** What the server's authorship route would say for these writers and this deleter's updates. */
function authorshipFor(writers: [Y.Doc, typeof ALICE][], deletions: [typeof ALICE, Uint8Array][]): AuthorshipResponse {
  return {
    clients: Object.fromEntries(writers.map(([doc, author]) => [String(doc.clientID), author.id])),
    authors: writers.map(([, author]) => author),
    deletions: deletions.map(([author, update]) => ({
      author: author.id,
      snapshot: toBase64(Y.encodeSnapshot(Y.createSnapshot(Y.decodeUpdate(update).ds, new Map()))),
    })),
    overrides: [],
  };
}

/**
 * The diff between two full-state updates exactly as y-tiptap's Uint8Array snapshot path reads
 * it (sync-plugin.js _renderSnapshot): a gc:false history doc, both snapshots, deleted items
 * split along every author's delete set, then the paragraph's delta with ychange attributes.
 */
function renderedDiff(previous: Uint8Array, next: Uint8Array, attribution: ServerAttribution) {
  const history = new Y.Doc({ gc: false });
  Y.applyUpdateV2(history, previous);
  const prevSnapshot = Y.snapshot(history);
  Y.applyUpdateV2(history, next);
  const snapshot = Y.snapshot(history);
  let delta: { insert: string; attributes?: { ychange?: { user: string; type: string } } }[] = [];
  history.transact((transaction) => {
    attribution.dss.forEach((ds) => Y.iterateDeletedStructs(transaction, ds, () => {}));
    const text = paragraphText(history);
    delta = text.toDelta(snapshot, prevSnapshot, (type: 'added' | 'removed', id: Y.ID) => ({
      type,
      user: type === 'added' ? attribution.getUserByClientId(id.client) : attribution.getUserByDeletedId(id),
    }));
  });
  return delta.map((piece) => [piece.insert, piece.attributes?.ychange?.type ?? null, piece.attributes?.ychange?.user ?? null]);
}

describe('historyAuthorshipFrom', () => {
  it('lets a diff between two gc:true versions say who added and who removed each piece, Bob deleting Alice’s text included', () => {
    const alice = new Y.Doc();
    const bob = new Y.Doc();
    paragraphText(alice).insert(0, 'Hello world');
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
    const versionA = Y.encodeStateAsUpdateV2(alice);

    const bobEdits: Uint8Array[] = [];
    bob.on('update', (update: Uint8Array) => bobEdits.push(update));
    paragraphText(bob).delete(6, 5);
    paragraphText(bob).insert(6, 'Tandem');
    Y.applyUpdate(alice, Y.mergeUpdates(bobEdits));
    paragraphText(alice).insert(12, '. Bye.');
    // The live doc collects garbage: what is stored is a gc:true state.
    const versionB = Y.encodeStateAsUpdateV2(alice);

    const { attribution } = historyAuthorshipFrom(authorshipFor([[alice, ALICE], [bob, BOB]], [[BOB, Y.mergeUpdates(bobEdits)]]));
    expect(renderedDiff(versionA, versionB, attribution)).toEqual([
      ['Hello ', null, null],
      ['world', 'removed', BOB.id],
      ['Tandem', 'added', BOB.id],
      ['. Bye.', 'added', ALICE.id],
    ]);
  });

  it('names the unknown author for a client or deletion the server never bound, and never throws while rendering', () => {
    const stranger = new Y.Doc();
    paragraphText(stranger).insert(0, 'Old text');
    const before = Y.encodeStateAsUpdateV2(stranger);
    paragraphText(stranger).delete(0, 4);
    const { attribution, authors } = historyAuthorshipFrom({ clients: {}, authors: [], deletions: [], overrides: [] });
    expect(renderedDiff(before, Y.encodeStateAsUpdateV2(stranger), attribution)).toEqual([
      ['Old ', 'removed', UNKNOWN_AUTHOR_ID],
      ['text', null, null],
    ]);
    expect(authors.get(UNKNOWN_AUTHOR_ID)?.name).toBe('Unknown author');
  });

  it('gives y-tiptap a colour for every author, and grey instead of a colour that is not #rrggbb', () => {
    const { colorMapping, authors } = historyAuthorshipFrom({
      clients: { '7': ALICE.id },
      authors: [ALICE, { id: 'evil', name: 'Mallory', color: 'red; background: url(x)' }],
      deletions: [],
      overrides: [],
    });
    expect(colorMapping.get(ALICE.id)).toEqual({ light: '#175cd3', dark: '#175cd3' });
    expect(colorMapping.get('evil')).toEqual({ light: UNKNOWN_AUTHOR_COLOR, dark: UNKNOWN_AUTHOR_COLOR });
    expect(authors.get('evil')?.color).toBe(UNKNOWN_AUTHOR_COLOR);
    expect(colorMapping.get(UNKNOWN_AUTHOR_ID)).toBeDefined();
  });

  it('merges several delete sets of one author', () => {
    const doc = new Y.Doc();
    paragraphText(doc).insert(0, 'abcdef');
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    paragraphText(doc).delete(0, 1);
    paragraphText(doc).delete(4, 1);
    const { attribution } = historyAuthorshipFrom(authorshipFor([[doc, BOB]], updates.map((update) => [BOB, update])));
    // Clocks 0 and 1 are the paragraph and its text; "a" is clock 2, "f" clock 7.
    expect(attribution.getUserByDeletedId(Y.createID(doc.clientID, 2))).toBe(BOB.id);
    expect(attribution.getUserByDeletedId(Y.createID(doc.clientID, 3))).toBe(UNKNOWN_AUTHOR_ID);
    expect(attribution.getUserByDeletedId(Y.createID(doc.clientID, 7))).toBe(BOB.id);
  });

  it('refuses a malformed answer with a message naming what is wrong', () => {
    const valid = { clients: {}, authors: [], deletions: [], overrides: [] };
    expect(() => historyAuthorshipFrom(null as unknown as AuthorshipResponse)).toThrow(/not an object/);
    expect(() => historyAuthorshipFrom({ ...valid, clients: { abc: 'x' } })).toThrow(/client "abc"/);
    expect(() => historyAuthorshipFrom({ ...valid, authors: [{ id: 1 }] } as unknown as AuthorshipResponse)).toThrow(/author lacks/);
    expect(() => historyAuthorshipFrom({ ...valid, deletions: [{ author: BOB.id, snapshot: toBase64(new Uint8Array([5, 200])) }] })).toThrow(/deletions of b2b2/);
    expect(() => historyAuthorshipFrom({ ...valid, deletions: 'x' } as unknown as AuthorshipResponse)).toThrow(/"deletions" is not a list/);
  });
});
