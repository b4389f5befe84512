/**
 * The outline (lib/editor/outline.ts): every heading with its level, text and position, in quotes
 * too; kept change by change, it always equals the outline read afresh; typing in a paragraph
 * keeps the same list (only positions move), and a heading's edit or a new heading makes a new one.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { EditorState } from '@tiptap/pm/state';
import { describe, expect, it } from 'vitest';
import { contentExtensions } from './editor-extensions';
import { outlineOf, outlinePlugin, readOutline, updateOutline } from './outline';

const schema = getSchema(contentExtensions());
const text = (value: string): JSONContent => ({ type: 'text', text: value });
const heading = (level: number, value: string): JSONContent => ({ type: 'heading', attrs: { level }, content: [text(value)] });
const paragraph = (value: string): JSONContent => ({ type: 'paragraph', content: [text(value)] });

const sample = schema.nodeFromJSON({
  type: 'doc',
  content: [
    heading(1, 'Plan'),
    paragraph('Some words here.'),
    heading(2, 'Goals'),
    paragraph('More words.'),
    { type: 'blockquote', content: [heading(3, 'Quoted')] },
    paragraph('The end.'),
  ],
});

function random(seed: number): () => number {
  let value = seed;
  return () => {
    value = (value * 1103515245 + 12345) % 2 ** 31;
    return value / 2 ** 31;
  };
}

describe('readOutline', () => {
  it('lists every heading with its level, text and position', () => {
    const outline = readOutline(sample);
    expect(outline.headings).toEqual([
      { level: 1, text: 'Plan' },
      { level: 2, text: 'Goals' },
      { level: 3, text: 'Quoted' },
    ]);
    expect(outline.positions.map((pos) => sample.nodeAt(pos)?.textContent)).toEqual(['Plan', 'Goals', 'Quoted']);
  });
});

describe('updateOutline', () => {
  it('equals the outline read afresh after each of many random edits', () => {
    const next = random(11);
    let state = EditorState.create({ schema, doc: sample });
    let outline = readOutline(state.doc);
    for (let step = 0; step < 400; step += 1) {
      const size = state.doc.content.size;
      const from = 1 + Math.floor(next() * (size - 1));
      const tr = state.tr;
      const choice = next();
      try {
        if (choice < 0.5) tr.insertText('ab', from);
        else if (choice < 0.75) tr.delete(from, Math.min(size - 1, from + Math.floor(next() * 5)));
        else if (choice < 0.85) tr.split(from);
        else if (choice < 0.95) tr.setBlockType(from, from, schema.nodes.heading, { level: 1 + Math.floor(next() * 3) });
        else tr.join(from);
      } catch {
        // Not every random position can be split, joined or retyped there: try another step.
        continue;
      }
      const after = state.apply(tr);
      outline = updateOutline(state.doc, after.doc, outline);
      state = after;
      expect(outline).toEqual(readOutline(state.doc));
    }
  });

  it('keeps the same list while someone types in a paragraph, a new one when a heading changes', () => {
    let state = EditorState.create({ schema, doc: sample, plugins: [outlinePlugin()] });
    const first = outlineOf(state)!;
    state = state.apply(state.tr.insertText('x', 8));
    const typed = outlineOf(state)!;
    expect(typed.headings).toBe(first.headings);
    expect(typed.positions.slice(1)).toEqual(first.positions.slice(1).map((pos) => pos + 1));
    state = state.apply(state.tr.insertText('!', 3));
    expect(outlineOf(state)!.headings).not.toBe(first.headings);
    expect(outlineOf(state)!.headings[0]).toEqual({ level: 1, text: 'Pl!an' });
  });
});
