/**
 * The title binding's pure parts: the smallest splice between two input values (so concurrent
 * edits merge), caret mapping through remote changes, and two people editing at once through
 * real Y.Docs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  applyRebasedSplice,
  applyTitleValue,
  displayTitle,
  MAX_TITLE_LENGTH,
  mapPositionThroughDelta,
  normalizeTitleInput,
  rebaseSplice,
  spliceBetween,
  tabTitleFor,
  type TextDeltaOp,
} from './document-title';
import { TITLE_TEXT_NAME } from '../protocol/document-schema';

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

describe('rebaseSplice (an edit held back during an IME composition)', () => {
  /** A remote edit: at `at` (as a fraction of the length), delete `remove` and insert `text`. */
  const remoteEdit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), remove: fc.nat(3), text: fc.stringMatching(/^[xyz]{0,3}$/) });

  it('keeps everyone else’s text exactly as Yjs would, with the held-back text in one piece', () => {
    // Base text and Bob's held-back edit use a–c and p–q; Alice's concurrent edits x–z.
    const localEdit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), remove: fc.nat(4), text: fc.stringMatching(/^[pq]{0,3}$/) });
    fc.assert(
      fc.property(fc.stringMatching(/^[abc]{0,12}$/), localEdit, fc.array(remoteEdit, { maxLength: 4 }), (base, local, remoteEdits) => {
        const index = Math.floor(local.at * base.length);
        const edited = base.slice(0, index) + local.text + base.slice(index + local.remove);
        const bob = new Y.Doc();
        const alice = new Y.Doc();
        bob.getText(TITLE_TEXT_NAME).insert(0, base);
        Y.applyUpdate(alice, Y.encodeStateAsUpdate(bob));

        // Reference: Bob's edit made at once in a copy of his doc, merged with Alice's by Yjs.
        const reference = new Y.Doc();
        reference.clientID = bob.clientID;
        Y.applyUpdate(reference, Y.encodeStateAsUpdate(bob));
        applyTitleValue(reference.getText(TITLE_TEXT_NAME), edited, 'bob');

        const aliceTitle = alice.getText(TITLE_TEXT_NAME);
        for (const { at, remove, text } of remoteEdits) {
          const position = Math.floor(at * aliceTitle.length);
          alice.transact(() => {
            aliceTitle.delete(position, Math.min(remove, aliceTitle.length - position));
            aliceTitle.insert(position, text);
          });
        }
        // Bob's doc receives Alice's changes while his edit is held back, then applies it.
        const deltas: TextDeltaOp[][] = [];
        bob.getText(TITLE_TEXT_NAME).observe((event) => deltas.push(event.delta as TextDeltaOp[]));
        Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
        Y.applyUpdate(reference, Y.encodeStateAsUpdate(alice));
        const splice = spliceBetween(base, edited);
        if (splice) applyRebasedSplice(bob.getText(TITLE_TEXT_NAME), rebaseSplice(splice, deltas), 'bob');

        const result = bob.getText(TITLE_TEXT_NAME).toString();
        const expected = reference.getText(TITLE_TEXT_NAME).toString();
        // Where both typed at one spot, the order of the two insertions may differ from Yjs';
        // everything else is the same text.
        const withoutHeldBack = (text: string) => text.replace(/[pq]/g, '');
        expect(withoutHeldBack(result)).toBe(withoutHeldBack(expected));
        expect(result.replace(/[^pq]/g, '')).toBe(splice?.insert.replace(/[^pq]/g, '') ?? '');
        if (local.text) expect(result).toContain(local.text);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps what others typed inside the range it replaces', () => {
    // Base "Trip notes"; the held-back edit replaces "notes" with "plan"; meanwhile someone
    // typed "long " inside "notes" and deleted "Trip ".
    const splice = spliceBetween('Trip notes', 'Trip plan')!;
    const deltas: TextDeltaOp[][] = [[{ retain: 7 }, { insert: 'long ' }], [{ delete: 5 }]];
    const rebased = rebaseSplice(splice, deltas);
    expect(rebased).toEqual({ deletions: [[0, 2], [7, 10]], index: 0, insert: 'plan' });
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
