import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { attributeDeletions, decodeAttribution, encodeDeleteSet, mergeAttributions, type DeleteSet } from './attribution';

/** Alice types "hello world" in a doc of her own; returns the doc and her update. */
function aliceWrites(text = 'hello world'): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc();
  doc.getText('title').insert(0, text);
  return { doc, update: Y.encodeStateAsUpdate(doc) };
}

/** What `edit` on a copy of `doc` sends: its update, decoded as the server decodes it. */
function editOf(doc: Y.Doc, edit: (text: Y.Text) => void): { update: Uint8Array; ds: DeleteSet } {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  let update: Uint8Array = new Uint8Array();
  copy.on('update', (u: Uint8Array) => (update = u));
  edit(copy.getText('title'));
  Y.applyUpdate(doc, update);
  return { update, ds: Y.decodeUpdate(update).ds };
}

/** The characters of `doc`'s title that `ds` deletes (doc must hold them, gc off). */
function deletedText(doc: Y.Doc, ds: DeleteSet): string {
  let text = '';
  Y.iterateDeletedStructs(doc.transact((tr) => tr), ds, (struct) => {
    if (struct instanceof Y.Item && struct.content instanceof Y.ContentString) text += struct.content.str;
  });
  return text;
}

describe('attributeDeletions', () => {
  it('is null for a keystroke that deletes nothing', () => {
    const { doc } = aliceWrites();
    const typed = editOf(doc, (text) => text.insert(5, '!'));
    expect(attributeDeletions([{ authorId: 'alice', ds: typed.ds }])).toBeNull();
    expect(attributeDeletions([])).toBeNull();
  });

  it('names the deleter, not the author of the deleted text', () => {
    const doc = new Y.Doc({ gc: false });
    Y.applyUpdate(doc, aliceWrites().update);
    const cut = editOf(doc, (text) => text.delete(5, 6));
    const bytes = attributeDeletions([{ authorId: 'bob', ds: cut.ds }]);
    const decoded = decodeAttribution(bytes!);
    expect([...decoded.keys()]).toEqual(['bob']);
    expect(deletedText(doc, decoded.get('bob')!)).toBe(' world');
    expect(Y.equalDeleteSets(decoded.get('bob')!, cut.ds)).toBe(true);
  });

  it('keeps the authors of one batch apart and joins one author\'s messages', () => {
    const doc = new Y.Doc({ gc: false });
    Y.applyUpdate(doc, aliceWrites('abcdefgh').update);
    const first = editOf(doc, (text) => text.delete(0, 1)); // a
    const second = editOf(doc, (text) => text.delete(1, 2)); // cd
    const third = editOf(doc, (text) => text.delete(4, 1)); // h
    const bytes = attributeDeletions([
      { authorId: 'bob', ds: first.ds },
      { authorId: 'carol', ds: second.ds },
      { authorId: 'bob', ds: third.ds },
    ]);
    const decoded = decodeAttribution(bytes!);
    expect(deletedText(doc, decoded.get('bob')!)).toBe('ah');
    expect(deletedText(doc, decoded.get('carol')!)).toBe('cd');
    expect(doc.getText('title').toString()).toBe('befg');
  });
});

describe('mergeAttributions', () => {
  it('merges per author, skipping entries without deletions', () => {
    const doc = new Y.Doc({ gc: false });
    Y.applyUpdate(doc, aliceWrites('0123456789').update);
    const a = attributeDeletions([{ authorId: 'bob', ds: editOf(doc, (text) => text.delete(0, 2)).ds }]);
    const b = attributeDeletions([{ authorId: 'carol', ds: editOf(doc, (text) => text.delete(0, 1)).ds }]);
    const c = attributeDeletions([{ authorId: 'bob', ds: editOf(doc, (text) => text.delete(6, 1)).ds }]);
    const merged = decodeAttribution(mergeAttributions([a, null, b, c])!);
    expect(deletedText(doc, merged.get('bob')!)).toBe('019');
    expect(deletedText(doc, merged.get('carol')!)).toBe('2');
    expect(mergeAttributions([null, null])).toBeNull();
    expect(mergeAttributions([])).toBeNull();
  });
});

describe('decodeAttribution', () => {
  it('refuses bytes that are not an attribution, with a clear error', () => {
    expect(() => decodeAttribution(new Uint8Array([5, 1, 2]))).toThrow(/not a deletion attribution/);
    const valid = attributeDeletions([{ authorId: 'bob', ds: editOf(aliceWrites().doc, (text) => text.delete(0, 1)).ds }])!;
    expect(() => decodeAttribution(new Uint8Array([...valid, 0]))).toThrow(/trailing bytes/);
  });

  it('stores each author\'s deletions as a snapshot the browser decodes with Y.decodeSnapshot', () => {
    const cut = editOf(aliceWrites().doc, (text) => text.delete(2, 3));
    const ds = decodeAttribution(attributeDeletions([{ authorId: 'bob', ds: cut.ds }])!).get('bob')!;
    expect(Y.equalDeleteSets(Y.decodeSnapshot(encodeDeleteSet(ds)).ds, cut.ds)).toBe(true);
  });
});
