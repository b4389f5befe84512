import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { countSegmentChanges } from './segment-stats';

/** The update `edit` makes to `doc` in one transaction, as its client sends it. */
function updateOf(doc: Y.Doc, edit: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const listen = (u: Uint8Array) => (update = u);
  doc.on('update', listen);
  doc.transact(edit);
  doc.off('update', listen);
  return update!;
}

function body(doc: Y.Doc): Y.XmlFragment {
  return doc.getXmlFragment('default');
}

describe('countSegmentChanges', () => {
  it('counts characters (UTF-16) and blocks, not formats, attributes or text containers', () => {
    const doc = new Y.Doc();
    const update = updateOf(doc, () => {
      const heading = new Y.XmlElement('heading');
      heading.setAttribute('level', '2');
      const text = new Y.XmlText();
      heading.insert(0, [text]);
      body(doc).insert(0, [heading]);
      text.insert(0, 'Hi 👋', { bold: true });
    });
    expect(countSegmentChanges(update)).toEqual({ inserted: 1 + 5, deleted: 0 });
  });

  it('counts neither what a segment types and erases itself nor anything twice', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const text = doc.getText('title');
    text.insert(0, 'hello');
    text.delete(3, 2);
    text.insert(3, 'p!');
    expect(countSegmentChanges(Y.mergeUpdates(updates))).toEqual({ inserted: 5, deleted: 0 });
  });

  it('counts deletions of older content in clock units: characters, and format marks too', () => {
    const doc = new Y.Doc();
    const text = doc.getText('title');
    text.insert(0, 'plain bold');
    text.format(6, 4, { bold: true }); // two format marks around "bold"
    const update = updateOf(doc, () => text.delete(4, 6)); // "n bold" with both marks
    expect(Y.decodeUpdate(update).structs).toEqual([]); // a pure deletion
    expect(countSegmentChanges(update)).toEqual({ inserted: 0, deleted: 8 });
  });
});
