/**
 * "HTML with comments" (lib/editor/comment-export.ts): open threads become numbered footnotes,
 * each number right after the end of its thread's text (in document order, also inside code
 * and where threads overlap), notes escaped, resolved threads left out, threads on deleted
 * text listed without a number. The page's serializer is the editor's (getHTMLFromFragment,
 * checked in e2e/export-import.spec.ts); here the text alone shows where numbers go.
 */
import { getSchema } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import type { CommentThread } from '../protocol/comments';
import { exportWithComments } from './comment-export';
import { contentExtensions } from './editor-extensions';

const schema = getSchema(contentExtensions());
const comment = (threadId: string) => ({ type: 'comment', attrs: { threadId } });

const doc = schema.nodeFromJSON({
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Plain ' },
        { type: 'text', text: 'first', marks: [comment('thread-first')] },
        { type: 'text', text: ' both', marks: [comment('thread-first'), comment('thread-second')] },
        { type: 'text', text: ' end.' },
      ],
    },
    { type: 'codeBlock', attrs: { language: null }, content: [{ type: 'text', text: 'let x = 1;', marks: [comment('thread-code')] }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'Resolved one.', marks: [comment('thread-done')] }] },
  ],
});

function thread(quote: string, body: string, options: Partial<CommentThread> = {}): CommentThread {
  return {
    quote: { text: quote, prefix: '', suffix: '' },
    createdAt: Date.UTC(2026, 11, 1),
    resolvedAt: null,
    resolvedBy: null,
    comments: [
      { id: `c-${quote.length}`, author: { id: 'a', name: 'Ann <admin>', color: '#3366cc' }, createdAt: Date.UTC(2026, 11, 1, 9), body, editedAt: null, deleted: false },
    ],
    ...options,
  };
}

const threads: Record<string, CommentThread> = {
  'thread-second': thread('both', 'Second <b>note</b> https://example.com/x'),
  'thread-first': thread('first both', 'First note'),
  'thread-code': thread('let x = 1;', 'Code note', { suggestion: { text: 'let y = 2;', state: 'open', decidedBy: null, decidedAt: null } }),
  'thread-done': thread('Resolved one.', 'Done', { resolvedAt: Date.UTC(2026, 11, 2), resolvedBy: { id: 'a', name: 'Ann', color: '#3366cc' } }),
  'thread-gone': thread('deleted words', 'On text that is gone'),
};

const textOf = (node: typeof doc) => node.textBetween(0, node.content.size, '\n');
const formatTime = (time: number) => new Date(time).toISOString().slice(0, 10);

describe('HTML with comments', () => {
  it('numbers the open threads in document order, each number right after its text', () => {
    const { bodyHtml } = exportWithComments(doc, threads, textOf, formatTime);
    const ref = (n: number) => `<sup class="comment-ref"><a href="#comment-${n}" id="comment-ref-${n}" aria-label="Comment ${n}">${n}</a></sup>`;
    // Both threads end after " both": the first-started thread's number comes first.
    expect(bodyHtml).toBe(`Plain first both${ref(1)}${ref(2)} end.\nlet x = 1;${ref(3)}\nResolved one.`);
  });

  it('writes the notes escaped, with links, suggestions, and threads on deleted text unnumbered; resolved ones left out', () => {
    const { notesHtml } = exportWithComments(doc, threads, textOf, formatTime);
    expect(notesHtml).toMatch(/^<section class="comments" aria-labelledby="comments-heading">\n<h2 id="comments-heading">Comments<\/h2>\n<ol class="comment-notes">/);
    const items = notesHtml.split('<li').slice(1);
    expect(items).toHaveLength(4);
    expect(items[0]).toContain('id="comment-1"');
    expect(items[0]).toContain('<q>first both</q> <a href="#comment-ref-1"');
    expect(items[1]).toContain('<strong>Ann &lt;admin&gt;</strong> <time datetime="2026-12-01T09:00:00.000Z">2026-12-01</time>: Second &lt;b&gt;note&lt;/b&gt; <a href="https://example.com/x" rel="noopener noreferrer nofollow">https://example.com/x</a>');
    expect(items[2]).toContain('Suggests “let y = 2;” instead (not decided yet)');
    expect(notesHtml).toContain('<h3>On deleted text</h3>\n<ul class="comment-notes">');
    expect(items[3]).toMatch(/^>\n<p class="comment-note-quote"><q>deleted words<\/q><\/p>/);
    expect(notesHtml).not.toContain('Done');
  });

  it('is the plain export when no thread is open', () => {
    const none = exportWithComments(doc, { 'thread-done': threads['thread-done'] }, textOf, formatTime);
    expect(none).toEqual({ bodyHtml: textOf(doc), notesHtml: '' });
  });
});
