/**
 * The `comment` mark in the document schema (lib/editor/comment-mark.ts): commented text keeps
 * its words and marks through a real Y.XmlFragment (y-prosemirror drops text whose marks the
 * schema refuses), in code blocks, inline code and where threads overlap; commentRanges finds
 * each thread's text; the Markdown export leaves comments out.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { commentRanges } from './comment-mark';
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
