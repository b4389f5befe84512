/**
 * The status line's counts (lib/editor/word-count.ts) equal CharacterCount's whole-document
 * count on documents of every block Tandem has, and stay equal through edits, with each
 * unchanged block counted only once.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { EditorState, TextSelection } from '@tiptap/pm/state';
import { describe, expect, it } from 'vitest';
import { contentExtensions } from './editor-extensions';
import { countWords } from './word-count';

const schema = getSchema(contentExtensions());

/** CharacterCount's own definition (mode textSize), over the whole document. */
function characterCount(doc: ProseMirrorNode) {
  const size = doc.content.size;
  return {
    words: doc.textBetween(0, size, ' ', ' ').split(' ').filter((word) => word !== '').length,
    characters: doc.textBetween(0, size, undefined, ' ').length,
  };
}

const text = (value: string, marks?: JSONContent['marks']): JSONContent => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });

const everyBlock: JSONContent = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [text('A title'), text(' in bold', [{ type: 'bold' }])] },
    paragraph(text('One line'), { type: 'hardBreak' }, text('and the next,  with two spaces')),
    { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('first item'))] }, { type: 'listItem', content: [paragraph(text('second'))] }] },
    { type: 'taskList', content: [{ type: 'taskItem', attrs: { checked: true }, content: [paragraph(text('done'))] }] },
    { type: 'blockquote', content: [paragraph(text('quoted'), text('word', [{ type: 'italic' }]))] },
    { type: 'codeBlock', attrs: { language: null }, content: [text('let x = 1;\nlet y = 2;')] },
    {
      type: 'table',
      content: [{ type: 'tableRow', content: [{ type: 'tableCell', content: [paragraph(text('cell one'))] }, { type: 'tableCell', content: [paragraph(text('two'))] }] }],
    },
    paragraph(),
  ],
};

describe('countWords', () => {
  it('counts as CharacterCount does over a document of every block', () => {
    const doc = schema.nodeFromJSON(everyBlock);
    expect(countWords(doc)).toEqual(characterCount(doc));
    expect(countWords(doc).words).toBeGreaterThan(20);
  });

  it('counts an empty document as nothing, and a rule or an image as no characters and no words', () => {
    expect(countWords(schema.nodeFromJSON({ type: 'doc', content: [paragraph()] }))).toEqual({ words: 0, characters: 0 });
    const withLeaves = schema.nodeFromJSON({ type: 'doc', content: [paragraph(text('two words')), { type: 'horizontalRule' }, { type: 'image', attrs: { src: 'https://example.com/a.png' } }] });
    expect(countWords(withLeaves)).toEqual({ words: 2, characters: 9 });
  });

  it('stays equal to a fresh count through a thousand random edits (typing, deleting, splitting, joining)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let state = EditorState.create({ doc: schema.nodeFromJSON(everyBlock) });
    const letters = 'ab c\u00a0d e  ';
    for (let step = 0; step < 1000; step++) {
      const size = state.doc.content.size;
      const at = 1 + Math.floor(random() * (size - 1));
      const tr = state.tr;
      const choice = random();
      const $at = state.doc.resolve(at);
      if (choice < 0.5 && $at.parent.inlineContent) tr.insertText(letters[Math.floor(random() * letters.length)], at);
      else if (choice < 0.75 && $at.parent.inlineContent && $at.parentOffset > 0) tr.delete(at - 1, at);
      else if (choice < 0.9 && $at.parent.isTextblock && $at.parent.type.name === 'paragraph') tr.setSelection(TextSelection.create(state.doc, at)).split(at);
      else if ($at.depth > 0 && $at.index(0) > 0 && state.doc.child($at.index(0)).isTextblock && state.doc.child($at.index(0) - 1).isTextblock) {
        const boundary = $at.before(1);
        tr.join(boundary);
      }
      if (!tr.docChanged) continue;
      state = state.apply(tr);
      expect(countWords(state.doc), `after step ${step}`).toEqual(characterCount(state.doc));
    }
  });

  it('reads each unchanged block once: a second count touches no text', () => {
    const doc = schema.nodeFromJSON(everyBlock);
    countWords(doc);
    const reads: string[] = [];
    doc.forEach((block) => {
      const original = block.textBetween.bind(block);
      Object.defineProperty(block, 'textBetween', { value: (...args: Parameters<ProseMirrorNode['textBetween']>) => (reads.push(block.type.name), original(...args)) });
    });
    expect(countWords(doc)).toEqual(characterCount(doc));
    expect(reads).toEqual([]);
  });
});
