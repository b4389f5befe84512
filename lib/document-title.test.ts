/**
 * The title binding's pure parts: the smallest splice between two input values (so concurrent
 * edits merge), caret mapping through remote changes, and two people editing at once through
 * real Y.Docs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  applyTitleValue,
  displayTitle,
  MAX_TITLE_LENGTH,
  mapPositionThroughDelta,
  normalizeTitleInput,
  spliceBetween,
  tabTitleFor,
  TITLE_TEXT_NAME,
  type TextDeltaOp,
} from './document-title';

const applySplice = (text: string, splice: ReturnType<typeof spliceBetween>) =>
  splice ? text.slice(0, splice.index) + splice.insert + text.slice(splice.index + splice.deleteCount) : text;

describe('spliceBetween', () => {
  it('finds a typed character, a deletion and a replaced selection', () => {
    expect(spliceBetween('Helo', 'Hello')).toEqual({ index: 3, deleteCount: 0, insert: 'l' });
    expect(spliceBetween('Hello', 'Hllo')).toEqual({ index: 1, deleteCount: 1, insert: '' });
    expect(spliceBetween('Hello world', 'Hello there')).toEqual({ index: 6, deleteCount: 5, insert: 'there' });
    expect(spliceBetween('same', 'same')).toBeNull();
  });

  it('never cuts a surrogate pair', () => {
    // 😀 and 😁 share their first code unit; the splice must replace the whole emoji.
    const splice = spliceBetween('a😀b', 'a😁b');
    expect(splice).toEqual({ index: 1, deleteCount: 2, insert: '😁' });
  });

  it('always produces the new value, as small as the common prefix and suffix allow', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (before, after) => {
        const splice = spliceBetween(before, after);
        expect(applySplice(before, splice)).toBe(after);
        if (splice) expect(splice.deleteCount + splice.insert.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('mapPositionThroughDelta', () => {
  const delta = (...ops: TextDeltaOp[]) => ops;
  it('moves a caret after an insertion before it, not one at or before it', () => {
    expect(mapPositionThroughDelta(5, delta({ retain: 2 }, { insert: 'abc' }))).toBe(8);
    expect(mapPositionThroughDelta(2, delta({ retain: 2 }, { insert: 'abc' }))).toBe(2);
    expect(mapPositionThroughDelta(1, delta({ retain: 2 }, { insert: 'abc' }))).toBe(1);
  });

  it('pulls a caret back over deleted text, and into a deletion that swallowed it', () => {
    expect(mapPositionThroughDelta(6, delta({ retain: 1 }, { delete: 2 }))).toBe(4);
    expect(mapPositionThroughDelta(2, delta({ retain: 1 }, { delete: 3 }))).toBe(1);
    expect(mapPositionThroughDelta(1, delta({ retain: 1 }, { delete: 3 }))).toBe(1);
  });

  it('follows the real deltas of Y.Text', () => {
    const doc = new Y.Doc();
    const text = doc.getText(TITLE_TEXT_NAME);
    text.insert(0, 'Hello world');
    let mapped = 8; // between "wo" and "rld"
    text.observe((event) => {
      mapped = mapPositionThroughDelta(mapped, event.delta as TextDeltaOp[]);
    });
    doc.transact(() => {
      text.delete(0, 5);
      text.insert(0, 'Goodbye, cruel');
    });
    expect(text.toString().slice(0, mapped)).toBe('Goodbye, cruel wo');
  });
});

describe('applyTitleValue', () => {
  it('merges two people typing into the same title at once', () => {
    const alice = new Y.Doc();
    const bob = new Y.Doc();
    applyTitleValue(alice.getText(TITLE_TEXT_NAME), 'Trip notes', 'alice');
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
    // Concurrently: Alice prefixes, Bob appends, each through a whole new input value.
    applyTitleValue(alice.getText(TITLE_TEXT_NAME), 'Rome trip notes', 'alice');
    applyTitleValue(bob.getText(TITLE_TEXT_NAME), 'Trip notes (draft)', 'bob');
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
    Y.applyUpdate(alice, Y.encodeStateAsUpdate(bob));
    expect(alice.getText(TITLE_TEXT_NAME).toString()).toBe('Rome trip notes (draft)');
    expect(bob.getText(TITLE_TEXT_NAME).toString()).toBe('Rome trip notes (draft)');
  });

  it('tags its one transaction with the origin, and does nothing for an unchanged value', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (transaction) => origins.push(transaction.origin));
    applyTitleValue(doc.getText(TITLE_TEXT_NAME), 'A', 'me');
    applyTitleValue(doc.getText(TITLE_TEXT_NAME), 'A', 'me');
    expect(origins).toEqual(['me']);
  });
});

describe('titles shown', () => {
  it('names an untitled document and builds the tab title', () => {
    expect(displayTitle('')).toBe('Untitled document');
    expect(displayTitle('  ')).toBe('Untitled document');
    expect(displayTitle(' Plan  B ')).toBe('Plan B');
    expect(tabTitleFor('Plan B')).toBe('Plan B — Tandem');
    expect(tabTitleFor(null)).toBe('Untitled document — Tandem');
  });

  it('keeps a typed title on one line and bounded', () => {
    expect(normalizeTitleInput('one\r\ntwo\nthree')).toBe('one two three');
    expect(normalizeTitleInput('x'.repeat(MAX_TITLE_LENGTH + 5))).toHaveLength(MAX_TITLE_LENGTH);
  });
});
