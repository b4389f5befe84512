/**
 * Find and replace's search (lib/editor/find-replace.ts): matches across marks but never across
 * blocks or inline nodes, match case, whole word; the matches kept change by change (only the
 * touched textblocks searched again) always equal the matches found afresh, through local edits
 * and remote changes that replace the whole document as y-tiptap applies them; the current
 * match follows; replace and replace all (one transaction).
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { Slice } from '@tiptap/pm/model';
import { EditorState, TextSelection } from '@tiptap/pm/state';
import { describe, expect, it } from 'vitest';
import { contentExtensions } from './editor-extensions';
import type { Decoration } from '@tiptap/pm/view';
import {
  findDecorations,
  findMatches,
  findReplacePlugin,
  findState,
  moveToMatch,
  replaceAll,
  replaceCurrent,
  setSearchQuery,
  updateMatches,
  type SearchQuery,
} from './find-replace';

const schema = getSchema(contentExtensions());

const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });
const text = (value: string, ...marks: string[]): JSONContent => ({ type: 'text', text: value, marks: marks.map((type) => ({ type })) });

const sample: JSONContent = {
  type: 'doc',
  content: [
    paragraph(text('The cat sat on the '), text('ca', 'bold'), text('t', 'italic'), text(' mat.')),
    { type: 'heading', attrs: { level: 2 }, content: [text('Cats and concatenation')] },
    paragraph(text('ca'), { type: 'hardBreak' }, text('t CAT cat_ café cafés')),
    paragraph(text('the end ca')),
    paragraph(text('t starts here')),
  ],
};

const doc = () => schema.nodeFromJSON(sample);
const query = (value: string, options: Partial<SearchQuery> = {}): SearchQuery => ({ text: value, caseSensitive: false, wholeWord: false, ...options });
const texts = (node: ReturnType<typeof doc>, q: SearchQuery) => findMatches(node, q).map((match) => node.textBetween(match.from, match.to));

describe('findMatches', () => {
  it('finds every match ignoring case, across marks, not across blocks or a hard break', () => {
    expect(texts(doc(), query('cat'))).toEqual(['cat', 'cat', 'Cat', 'cat', 'CAT', 'cat']);
  });

  it('matches case when asked', () => {
    expect(texts(doc(), query('cat', { caseSensitive: true }))).toEqual(['cat', 'cat', 'cat', 'cat']);
    expect(texts(doc(), query('CAT', { caseSensitive: true }))).toEqual(['CAT']);
  });

  it('matches whole words only when asked (an underscore, a letter or an accent joins a word)', () => {
    expect(texts(doc(), query('cat', { wholeWord: true }))).toEqual(['cat', 'cat', 'CAT']);
    expect(texts(doc(), query('café', { wholeWord: true }))).toEqual(['café']);
  });

  it('takes the query literally', () => {
    expect(texts(doc(), query('mat.'))).toEqual(['mat.']);
    expect(texts(doc(), query('c.t'))).toEqual([]);
    expect(findMatches(doc(), query(''))).toEqual([]);
  });

  it('gives document positions', () => {
    const node = doc();
    const [first] = findMatches(node, query('cat'));
    expect(first).toEqual({ from: 5, to: 8 });
  });
});

/** A tiny deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let value = seed;
  return () => {
    value = (value * 1103515245 + 12345) % 2 ** 31;
    return value / 2 ** 31;
  };
}

describe('updateMatches', () => {
  const queries = [query('cat'), query('ca'), query('cat', { wholeWord: true }), query('t', { caseSensitive: true })];

  it('equals a fresh search after each of many random local edits', () => {
    const next = random(7);
    for (const q of queries) {
      let state = EditorState.create({ schema, doc: doc() });
      let matches = findMatches(state.doc, q);
      for (let step = 0; step < 300; step += 1) {
        const size = state.doc.content.size;
        const from = 1 + Math.floor(next() * (size - 1));
        const to = Math.min(size - 1, from + Math.floor(next() * 4));
        const tr = state.tr;
        const choice = next();
        try {
          if (choice < 0.5) tr.insertText(['c', 'a', 't', ' ', 'cat', 'T'][Math.floor(next() * 6)], from, from);
          else if (choice < 0.8) tr.delete(from, to);
          else if (choice < 0.9) tr.split(from);
          else tr.join(from);
        } catch {
          // Not every random position can be split or joined there: try another step.
          continue;
        }
        const after = state.apply(tr);
        matches = updateMatches(state.doc, after.doc, matches, q);
        state = after;
        expect(matches).toEqual(findMatches(state.doc, q));
      }
    }
  });

  it('equals a fresh search after a remote change that replaces the whole document', () => {
    const state = EditorState.create({ schema, doc: doc() });
    const q = query('cat');
    const changed = schema.nodeFromJSON({ ...sample, content: [...sample.content!.slice(0, 3), paragraph(text('the cat end ca')), ...sample.content!.slice(4)] });
    const tr = state.tr.replace(0, state.doc.content.size, new Slice(changed.content, 0, 0));
    const after = state.apply(tr);
    expect(updateMatches(state.doc, after.doc, findMatches(state.doc, q), q)).toEqual(findMatches(after.doc, q));
  });
});

/** The class an inline decoration puts on its text. */
const classOf = (decoration: Decoration) => (decoration as unknown as { type: { attrs: { class: string } } }).type.attrs.class;

describe('the plugin', () => {
  const start = () => {
    const state = EditorState.create({ schema, doc: doc(), plugins: [findReplacePlugin()] });
    return state.apply(state.tr.setSelection(TextSelection.create(state.doc, 1)));
  };

  it('starts at the first match from the caret, moves and wraps round', () => {
    let state = start();
    state = state.apply(setSearchQuery(state, query('cat')));
    expect(findState(state)!.current).toBe(0);
    expect(findState(state)!.matches).toHaveLength(6);
    state = state.apply(moveToMatch(state, -1));
    expect(findState(state)!.current).toBe(5);
    state = state.apply(moveToMatch(state, 1));
    expect(findState(state)!.current).toBe(0);
  });

  it('draws every match, the current one distinctly', () => {
    let state = start();
    state = state.apply(setSearchQuery(state, query('cat')));
    state = state.apply(moveToMatch(state, 1));
    const find = findState(state)!;
    const drawn = findDecorations(find, state.doc).find().map((decoration) => [decoration.from, decoration.to, classOf(decoration)]);
    const current = find.matches[1];
    expect(drawn.filter(([, , name]) => name === 'find-match-current')).toEqual([[current.from, current.to, 'find-match-current']]);
    expect(drawn.filter(([, , name]) => name === 'find-match')).toEqual(find.matches.map((match) => [match.from, match.to, 'find-match']));
  });

  it('keeps its highlights, moved and redrawn change by change, equal to the matches', () => {
    const next = random(3);
    let state = start();
    state = state.apply(setSearchQuery(state, query('ca')));
    for (let step = 0; step < 200; step += 1) {
      const size = state.doc.content.size;
      const from = 1 + Math.floor(next() * (size - 1));
      const tr = state.tr;
      try {
        if (next() < 0.6) tr.insertText(['c', 'a', 'ca', ' '][Math.floor(next() * 4)], from);
        else tr.delete(from, Math.min(size - 1, from + Math.floor(next() * 4)));
      } catch {
        continue;
      }
      state = state.apply(tr);
      const find = findState(state)!;
      const drawn = find.decorations.find().map((decoration) => ({ from: decoration.from, to: decoration.to }));
      expect(drawn.sort((a, b) => a.from - b.from)).toEqual(findMatches(state.doc, query('ca')));
    }
    // A remote change, replacing the whole document as y-tiptap applies it.
    const replaced = schema.nodeFromJSON({ ...sample, content: [paragraph(text('ca ca')), ...sample.content!] });
    state = state.apply(state.tr.replace(0, state.doc.content.size, new Slice(replaced.content, 0, 0)));
    const drawn = findState(state)!.decorations.find().map((decoration) => ({ from: decoration.from, to: decoration.to }));
    expect(drawn.sort((a, b) => a.from - b.from)).toEqual(findMatches(state.doc, query('ca')));
  });

  it('keeps the current match through an edit before it and follows new matches', () => {
    let state = start();
    state = state.apply(setSearchQuery(state, query('cat')));
    state = state.apply(moveToMatch(state, 1));
    const current = findState(state)!.matches[1];
    state = state.apply(state.tr.insertText('cat ', 1));
    const after = findState(state)!;
    expect(after.matches).toHaveLength(7);
    expect(after.matches[after.current]).toEqual({ from: current.from + 4, to: current.to + 4 });
  });

  it('replaces the current match, keeping its formatting, and moves to the next', () => {
    let state = start();
    state = state.apply(setSearchQuery(state, query('cat', { caseSensitive: true })));
    state = state.apply(moveToMatch(state, 1));
    state = state.apply(replaceCurrent(state, 'dog')!);
    expect(state.doc.child(0).textContent).toBe('The cat sat on the dog mat.');
    expect(state.doc.child(0).child(1).marks.map((mark) => mark.type.name)).toEqual(['bold']);
    const find = findState(state)!;
    expect(find.matches).toHaveLength(3);
    expect(find.current).toBe(1);
  });

  it('replaces a match with text that matches again without replacing it twice', () => {
    let state = start();
    state = state.apply(setSearchQuery(state, query('cat')));
    state = state.apply(replaceCurrent(state, 'catcat')!);
    expect(findState(state)!.matches[findState(state)!.current].from).toBeGreaterThan(5 + 'catcat'.length - 1);
  });

  it('replaces all in one transaction', () => {
    let state = start();
    state = state.apply(setSearchQuery(state, query('cat', { wholeWord: true })));
    const tr = replaceAll(state, 'dog')!;
    state = state.apply(tr);
    expect(state.doc.textBetween(0, state.doc.content.size, '|', '^')).toBe(
      'The dog sat on the dog mat.|Cats and concatenation|ca^t dog cat_ café cafés|the end ca|t starts here',
    );
    expect(findState(state)!.matches).toEqual([]);
    expect(replaceAll(state, 'dog')).toBeNull();
  });
});
