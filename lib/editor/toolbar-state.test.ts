/**
 * The toolbar's answers (lib/editor/toolbar-state.ts): the reader that keeps its last answers
 * while the caret's key is unchanged always answers as reading afresh would, through carets
 * moved over every kind of block, ranges, stored marks and edits; and typing inside one
 * paragraph gives the toolbar the same object, so it does not re-render.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { EditorState, NodeSelection, TextSelection } from '@tiptap/pm/state';
import { describe, expect, it } from 'vitest';
import { contentExtensions } from './editor-extensions';
import { formattingReader, readFormatting } from './toolbar-state';

const schema = getSchema(contentExtensions());
const text = (value: string, marks?: JSONContent['marks']): JSONContent => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });

const doc = schema.nodeFromJSON({
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [text('Title')] },
    { type: 'heading', attrs: { level: 2 }, content: [text('Section')] },
    paragraph(text('plain '), text('bold', [{ type: 'bold' }]), text(' and '), text('linked', [{ type: 'link', attrs: { href: 'https://example.com' } }]), text(' '), text('code', [{ type: 'code' }])),
    { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('bullet '), text('italic', [{ type: 'italic' }]))] }] },
    { type: 'orderedList', content: [{ type: 'listItem', content: [paragraph(text('numbered'))] }] },
    { type: 'taskList', content: [{ type: 'taskItem', attrs: { checked: false }, content: [paragraph(text('task'))] }] },
    { type: 'blockquote', content: [paragraph(text('quote '), text('struck', [{ type: 'strike' }, { type: 'underline' }]))] },
    { type: 'codeBlock', attrs: { language: null }, content: [text('let x = 1;')] },
    { type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableCell', content: [paragraph(text('cell'))] }] }] },
    { type: 'horizontalRule' },
    paragraph(text('last')),
  ],
});

describe('formattingReader', () => {
  it('answers as reading afresh would, wherever the caret or selection goes and whatever happens meanwhile', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const read = formattingReader();
    let state = EditorState.create({ doc });
    const marks = [schema.marks.bold, schema.marks.italic, schema.marks.code, schema.marks.strike];
    let checked = 0;
    for (let step = 0; step < 3000; step++) {
      const size = state.doc.content.size;
      const at = Math.floor(random() * size);
      const tr = state.tr;
      const choice = random();
      try {
        if (choice < 0.45) tr.setSelection(TextSelection.near(state.doc.resolve(at)));
        else if (choice < 0.55) tr.setSelection(TextSelection.between(state.doc.resolve(at), state.doc.resolve(Math.min(size, at + Math.floor(random() * 30)))));
        else if (choice < 0.6 && state.doc.nodeAt(at)) tr.setSelection(NodeSelection.create(state.doc, at));
        else if (choice < 0.75 && state.selection.empty && state.selection.$from.parent.inlineContent) tr.insertText('x');
        else if (choice < 0.85) tr.addStoredMark(marks[Math.floor(random() * marks.length)].create());
        else if (choice < 0.9) tr.setStoredMarks([]);
        else if (state.selection.$from.parent.inlineContent && state.selection.from < state.doc.content.size - 1) tr.addMark(state.selection.from, state.selection.from + 1, schema.marks.bold.create());
      } catch {
        continue; // a selection ProseMirror refuses at that position
      }
      state = state.apply(tr);
      expect(read(state), `step ${step}`).toEqual(readFormatting(state));
      checked++;
    }
    expect(checked).toBeGreaterThan(2500);
  });

  it('gives the same answers object while typing in one paragraph, and new ones when the caret enters other formatting', () => {
    const read = formattingReader();
    const inPlain = doc.resolve(3 + 'Title'.length + 2 + 'Section'.length + 2 + 2);
    let state = EditorState.create({ doc, selection: TextSelection.create(doc, inPlain.pos) });
    const first = read(state);
    for (const char of 'typing') {
      state = state.apply(state.tr.insertText(char));
      expect(read(state)).toBe(first);
    }
    const inHeading = state.apply(state.tr.setSelection(TextSelection.create(state.doc, 3)));
    const heading = read(inHeading);
    expect(heading).not.toBe(first);
    expect(heading.heading1).toBe(true);
    expect(first.heading1).toBe(false);
  });
});
