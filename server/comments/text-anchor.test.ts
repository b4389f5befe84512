/**
 * The anchor walk on hand-built body documents (y-tiptap's reading of the marks is in
 * test/comment-marks.test.ts): what counts as the quoted text between two positions, what is
 * refused, and that a refusal or a removal with nothing to remove builds no change.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { commentMarkKey } from '../../lib/protocol/comments';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';
import { textMarkedWith } from '../testing/comment-text';
import { markAnchorUpdate, unmarkThreadUpdate } from './text-anchor';

/** A body of the given blocks: `[nodeName, ...children]`, a child being text or another block. */
type Block = [string, ...(string | Block)[]];

function body(...blocks: Block[]): Y.Doc {
  const doc = new Y.Doc();
  const build = ([name, ...children]: Block): Y.XmlElement => {
    const element = new Y.XmlElement(name);
    element.insert(0, children.map((child) => (typeof child === 'string' ? new Y.XmlText(child) : build(child))));
    return element;
  };
  doc.getXmlFragment(CONTENT_FRAGMENT_NAME).insert(0, blocks.map(build));
  return doc;
}

const encode = (position: Y.RelativePosition) => Buffer.from(Y.encodeRelativePosition(position)).toString('base64');
/** A position inside a Y.XmlText, as y-tiptap makes one for a text position. */
const inText = (text: Y.XmlText, index: number) => encode(Y.createRelativePositionFromTypeIndex(text, index, -1));
/** A position between children of an element, as y-tiptap makes one at a block boundary. */
const between = (type: Y.XmlElement | Y.XmlFragment, index: number) => encode(Y.createRelativePositionFromTypeIndex(type, index));

const fragmentOf = (doc: Y.Doc) => doc.getXmlFragment(CONTENT_FRAGMENT_NAME);
const child = (type: Y.XmlElement | Y.XmlFragment, ...path: number[]) =>
  path.reduce<Y.XmlElement | Y.XmlText | Y.XmlFragment>((at, index) => (at as Y.XmlElement).get(index) as Y.XmlElement | Y.XmlText, type);

function marked(doc: Y.Doc, update: Uint8Array, threadId: string): string[] {
  Y.applyUpdate(doc, update);
  return textMarkedWith(doc, commentMarkKey(threadId));
}

describe('markAnchorUpdate', () => {
  it('reads a selection that starts at the end of a paragraph as textBetween does (a leading separator)', () => {
    const doc = body(['paragraph', 'one'], ['paragraph', 'two']);
    const first = child(fragmentOf(doc), 0, 0) as Y.XmlText;
    const second = child(fragmentOf(doc), 1, 0) as Y.XmlText;
    const update = markAnchorUpdate(doc, { from: inText(first, 3), to: inText(second, 2) }, '\ntw', 't-leading1');
    expect(marked(doc, update, 't-leading1')).toEqual(['tw']);
  });

  it('joins textblocks with one separator each, empty ones included, and skips inline nodes', () => {
    const doc = body(['paragraph', 'ab', ['hardBreak'], 'cd'], ['paragraph'], ['bulletList', ['listItem', ['paragraph', 'ef']]]);
    const fragment = fragmentOf(doc);
    const start = child(fragment, 0, 0) as Y.XmlText;
    const end = child(fragment, 2, 0, 0, 0) as Y.XmlText;
    expect(() => markAnchorUpdate(doc, { from: inText(start, 1), to: inText(end, 1) }, 'bcd\ne', 't-skipping')).toThrow(
      expect.objectContaining({ code: 'moved' }),
    );
    const update = markAnchorUpdate(doc, { from: inText(start, 1), to: inText(end, 1) }, 'bcd\n\ne', 't-skipping');
    expect(marked(doc, update, 't-skipping')).toEqual(['b', 'cd', 'e']);
  });

  it('takes block-boundary positions as before the next textblock or after the last', () => {
    const doc = body(['paragraph', 'one'], ['heading', 'two']);
    const fragment = fragmentOf(doc);
    const update = markAnchorUpdate(doc, { from: between(fragment, 1), to: between(fragment, 2) }, 'two', 't-boundary');
    expect(marked(doc, update, 't-boundary')).toEqual(['two']);
  });

  it('refuses text outside the textblocks the mark may sit in, naming where', () => {
    const doc = body(['paragraph', 'fine'], ['mystery', 'odd']);
    const fine = child(fragmentOf(doc), 0, 0) as Y.XmlText;
    const odd = child(fragmentOf(doc), 1, 0) as Y.XmlText;
    expect(() => markAnchorUpdate(doc, { from: inText(fine, 0), to: inText(odd, 3) }, 'fine\nodd', 't-mystery1')).toThrow(
      expect.objectContaining({ code: 'unanchorable', message: expect.stringContaining('a mystery') }),
    );
  });

  it('refuses an empty range, a reversed one and positions in deleted text', () => {
    const doc = body(['paragraph', 'abcdef'], ['paragraph', 'gone']);
    const text = child(fragmentOf(doc), 0, 0) as Y.XmlText;
    const gone = child(fragmentOf(doc), 1, 0) as Y.XmlText;
    const gonePosition = inText(gone, 1);
    expect(() => markAnchorUpdate(doc, { from: inText(text, 2), to: inText(text, 2) }, 'c', 't-emptyone')).toThrow(expect.objectContaining({ code: 'moved' }));
    expect(() => markAnchorUpdate(doc, { from: inText(text, 4), to: inText(text, 1) }, 'bcd', 't-reversed')).toThrow(expect.objectContaining({ code: 'moved' }));
    fragmentOf(doc).delete(1, 1);
    expect(() => markAnchorUpdate(doc, { from: gonePosition, to: inText(text, 6) }, 'one', 't-deletedp')).toThrow(expect.objectContaining({ code: 'moved' }));
  });

  it('writes as a client the document has never seen and changes the given document not at all', () => {
    const doc = body(['paragraph', 'abc']);
    const text = child(fragmentOf(doc), 0, 0) as Y.XmlText;
    const before = Y.encodeStateAsUpdate(doc);
    const update = markAnchorUpdate(doc, { from: inText(text, 0), to: inText(text, 3) }, 'abc', 't-scratch1');
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    const writers = [...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).keys()];
    expect(writers).toHaveLength(1);
    expect(Y.decodeStateVector(Y.encodeStateVector(doc)).has(writers[0])).toBe(false);
  });
});

describe('unmarkThreadUpdate', () => {
  it('removes the mark from every stretch of the thread and builds nothing when there is none', () => {
    const doc = body(['paragraph', 'abc'], ['codeBlock', 'def']);
    const first = child(fragmentOf(doc), 0, 0) as Y.XmlText;
    const second = child(fragmentOf(doc), 1, 0) as Y.XmlText;
    expect(marked(doc, markAnchorUpdate(doc, { from: inText(first, 1), to: inText(second, 2) }, 'bc\nde', 't-twoparts'), 't-twoparts')).toEqual(['bc', 'de']);
    expect(marked(doc, unmarkThreadUpdate(doc, 't-twoparts')!, 't-twoparts')).toEqual([]);
    expect(unmarkThreadUpdate(doc, 't-twoparts')).toBeNull();
  });
});
