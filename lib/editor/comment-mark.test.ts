/**
 * The `comment` mark in the document schema (lib/editor/comment-mark.ts): commented text keeps
 * its words and marks through a real Y.XmlFragment (y-prosemirror drops text whose marks the
 * schema refuses), in code blocks, inline code and where threads overlap; commentRanges finds
 * each thread's text; the Markdown export leaves comments out. The highlights, kept up to date
 * change by change (mapped, with only the changed part read again), always equal highlights
 * built afresh — through local edits, mark changes and remote changes that replace the whole
 * document, as y-tiptap applies them.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Slice } from '@tiptap/pm/model';
import { EditorState, type Transaction } from '@tiptap/pm/state';
import { changedRange, commentHighlightsIn, commentHighlightsPlugin, commentRanges, withCommentHighlights } from './comment-mark';
import { contentExtensions } from './editor-extensions';
import { jsonToMarkdown } from './markdown';

const schema = getSchema(contentExtensions());
const comment = (threadId: string) => ({ type: 'comment', attrs: { threadId } });

const commented: JSONContent = {
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'plain ' },
        { type: 'text', text: 'one', marks: [comment('thread-one')] },
        { type: 'text', text: ' both', marks: [comment('thread-one'), comment('thread-two')] },
        { type: 'text', text: ' code', marks: [{ type: 'code' }, comment('thread-two')] },
        { type: 'text', text: ' bold', marks: [{ type: 'bold' }, comment('thread-three')] },
      ],
    },
    { type: 'codeBlock', attrs: { language: null }, content: [{ type: 'text', text: 'let x = 1;', marks: [comment('thread-four')] }] },
  ],
};

function withoutComments(node: JSONContent): JSONContent {
  const marks = node.marks?.filter((mark) => mark.type !== 'comment');
  return {
    ...node,
    ...(node.marks ? { marks: marks!.length ? marks : undefined } : {}),
    ...(node.content ? { content: node.content.map(withoutComments) } : {}),
  };
}

describe('the comment mark', () => {
  it('survives a Y.XmlFragment with its text, in code blocks, inline code and overlapping threads', () => {
    const fragment = prosemirrorJSONToYXmlFragment(schema, commented, new Y.Doc().getXmlFragment('default'));
    const back = yXmlFragmentToProseMirrorRootNode(fragment, schema);
    expect(back.textContent).toBe('plain one both code boldlet x = 1;');
    const ranges = commentRanges(back);
    const textOf = (threadId: string) => ranges.get(threadId)!.map(({ from, to }) => back.textBetween(from, to)).join('|');
    expect(textOf('thread-one')).toBe('one both');
    expect(textOf('thread-two')).toBe(' both code');
    expect(textOf('thread-three')).toBe(' bold');
    expect(textOf('thread-four')).toBe('let x = 1;');
    // Inline code keeps its own mark too.
    const codeText = back.firstChild!.child(3);
    expect(codeText.marks.map((mark) => mark.type.name).sort()).toEqual(['code', 'comment']);
  });

  it('is left out of the Markdown export', () => {
    const markdown = jsonToMarkdown(commented);
    expect(markdown).toBe(jsonToMarkdown(withoutComments(commented)));
    expect(markdown).toContain('plain one both` code`');
  });
});

/** A small seeded generator (mulberry32): the same run every time. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The highlights as [from, to, class, thread] rows, in order. */
function highlightRows(state: EditorState): string[] {
  return (commentHighlightsIn(state)?.find() ?? [])
    .map((decoration) => {
      const attrs = (decoration as unknown as { type: { attrs: Record<string, string> } }).type.attrs;
      return `${decoration.from}-${decoration.to} ${attrs.class} ${attrs['data-comment-thread']}`;
    })
    .sort();
}

describe('the comment highlights', () => {
  it('kept up to date change by change, equal highlights built afresh (2,000 random changes)', () => {
    const next = random(20261201);
    const pick = <T,>(items: T[]) => items[Math.floor(next() * items.length)];
    const threads = ['thread-a', 'thread-b', 'thread-c', 'thread-d', 'thread-e'];
    const shown = new Set(threads.slice(0, 4));
    let state = EditorState.create({ doc: schema.nodeFromJSON(commented), plugins: [commentHighlightsPlugin()] });
    state = state.apply(withCommentHighlights(state.tr, { shown, selected: 'thread-b' }));
    const fresh = () => {
      const rebuilt = EditorState.create({ doc: state.doc, plugins: [commentHighlightsPlugin()] });
      return highlightRows(rebuilt.apply(withCommentHighlights(rebuilt.tr, { shown, selected: 'thread-b' })));
    };
    const textPositions = () => {
      const positions: number[] = [];
      state.doc.descendants((node, pos) => {
        if (node.isTextblock) for (let at = pos + 1; at <= pos + node.nodeSize - 1; at++) positions.push(at);
      });
      return positions;
    };
    for (let change = 0; change < 2_000; change++) {
      const positions = textPositions();
      const at = pick(positions);
      const end = Math.min(at + 1 + Math.floor(next() * 6), state.doc.content.size);
      const $at = state.doc.resolve(at);
      const $end = state.doc.resolve(end);
      const sameBlock = $at.sameParent($end);
      let tr: Transaction = state.tr;
      const kind = next();
      if (kind < 0.35) tr = tr.insertText(pick(['x', 'yz', ' ', 'aa']), at);
      else if (kind < 0.5 && sameBlock) tr = tr.delete(at, end);
      else if (kind < 0.65 && sameBlock) tr = tr.addMark(at, end, schema.marks.comment.create({ threadId: pick(threads) }));
      else if (kind < 0.75) tr = tr.removeMark(at, end, schema.marks.comment);
      else if (kind < 0.82) tr = tr.split(at);
      else if (kind < 0.88 && state.doc.childCount > 1) {
        // Join the first two blocks when they are paragraphs (code blocks hold no marks but code).
        if (state.doc.child(0).type === state.doc.child(1).type) tr = tr.join(state.doc.child(0).nodeSize);
      } else {
        // A remote change as y-tiptap applies it: the whole document replaced by a copy that
        // differs in one place (new node objects throughout).
        const copy = schema.nodeFromJSON(state.doc.toJSON());
        const edited = EditorState.create({ doc: copy }).tr.insertText('r', Math.min(at, copy.content.size - 1)).doc;
        tr = tr.replace(0, state.doc.content.size, new Slice(edited.content, 0, 0));
      }
      if (!tr.docChanged) continue;
      state = state.apply(tr);
      expect(highlightRows(state), `after change ${change}`).toEqual(fresh());
    }
    // The run did highlight things (and changes hit them).
    expect(highlightRows(state).length).toBeGreaterThan(0);
  });

  it('finds the changed part of a document, also when repeated text makes the scans overlap', () => {
    const doc = (text: string) => schema.nodeFromJSON({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
    expect(changedRange(doc('abc'), doc('abc'))).toBeNull();
    expect(changedRange(doc('abc'), doc('abXc'))).toEqual({ from: 3, toBefore: 3, toAfter: 4 });
    expect(changedRange(doc('aa'), doc('aaa'))).toEqual({ from: 3, toBefore: 3, toAfter: 4 });
    expect(changedRange(doc('abcd'), doc('ad'))).toEqual({ from: 2, toBefore: 4, toAfter: 2 });
  });
});
