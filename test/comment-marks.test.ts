/**
 * The server-written comment mark, read back by y-tiptap's own conversion on real Y.Docs: the
 * attribute is exactly the mark y-tiptap writes, overlapping threads both stay, ranges may span
 * textblocks, code blocks and inline code keep their text and the mark, a changed text is
 * refused with nothing changed, removal takes the mark off, the mark follows paragraph
 * splits and joins made as y-tiptap makes them, and an accepted suggestion replaces exactly the
 * marked text (refused once that text is split or no longer the quote).
 */
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { commentMarkKey, commentMarkValue, type CommentAnchor } from '../lib/protocol/comments';
import { CONTENT_FRAGMENT_NAME } from '../lib/protocol/document-schema';
import { HeadlessEditor, commentSchema, defaultSchemaWithCommentMark } from './support/headless-editor';
import { markAnchorUpdate, replaceMarkedTextUpdate, unmarkThreadUpdate } from '../server/comments/text-anchor';

const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const text = (value: string, marks?: object[]) => (marks ? { type: 'text', text: value, marks } : { type: 'text', text: value });

/** An editor's doc holding `content`, and the server's copy of it. */
function documents(...content: object[]): { editor: HeadlessEditor; server: Y.Doc } {
  const editor = new HeadlessEditor(new Y.Doc());
  editor.load({ type: 'doc', content });
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(editor.doc));
  return { editor, server };
}

/** Marks `quote` (found in the editor) for `threadId` on the server and syncs it to the editor. */
function comment(editor: HeadlessEditor, server: Y.Doc, threadId: string, quote: string, anchor?: CommentAnchor): void {
  const update = markAnchorUpdate(server, anchor ?? editor.anchor(...editor.find(quote)), quote, threadId);
  Y.applyUpdate(server, update);
  Y.applyUpdate(editor.doc, update);
}

describe('the comment mark the server writes', () => {
  it('is the attribute y-tiptap writes for { type: comment, attrs: { threadId } }', () => {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment(CONTENT_FRAGMENT_NAME);
    const mark = { type: 'comment', attrs: { threadId: 't-abcdefgh' } };
    prosemirrorJSONToYXmlFragment(commentSchema(), { type: 'doc', content: [paragraph(text('hi', [mark]))] }, fragment);
    const written = ((fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText).toDelta();
    expect(written).toEqual([{ insert: 'hi', attributes: { [commentMarkKey('t-abcdefgh')]: commentMarkValue('t-abcdefgh') } }]);
    expect(commentMarkKey('t-abcdefgh')).not.toBe(commentMarkKey('t-abcdefgi'));
  });

  it('reads back in y-tiptap as the mark on exactly the quoted text', () => {
    const { editor, server } = documents(paragraph(text('Say something kind here.')));
    comment(editor, server, 't-kindness', 'something kind');
    expect(editor.markedText('t-kindness')).toEqual(['something kind']);
    expect(editor.pm.textContent).toBe('Say something kind here.');
    const marked = editor.pm.firstChild!.child(1);
    expect(marked.marks.map((mark) => mark.toJSON())).toEqual([{ type: 'comment', attrs: { threadId: 't-kindness' } }]);
  });

  it('keeps two overlapping threads, each on its own text', () => {
    const { editor, server } = documents(paragraph(text('one two three four')));
    comment(editor, server, 't-overlap1', 'one two three');
    comment(editor, server, 't-overlap2', 'two three four');
    expect(editor.markedText('t-overlap1')).toEqual(['one two three']);
    expect(editor.markedText('t-overlap2')).toEqual(['two three four']);
  });

  it('covers a range across two paragraphs and beside other marks', () => {
    const { editor, server } = documents(paragraph(text('First '), text('bold', [{ type: 'bold' }]), text(' end')), paragraph(text('Second line')));
    const [from] = editor.find('bold');
    const [, to] = editor.find('Second');
    comment(editor, server, 't-spanning', 'bold end\nSecond', editor.anchor(from, to));
    expect(editor.markedText('t-spanning')).toEqual(['bold end', 'Second']);
    expect(editor.pm.firstChild!.child(1).marks.map((mark) => mark.type.name).sort()).toEqual(['bold', 'comment']);
  });

  it('marks text in a code block and in inline code without losing the block, the code mark or the text', () => {
    const { editor, server } = documents(
      { type: 'codeBlock', attrs: { language: 'ts' }, content: [text('const answer = 42;')] },
      paragraph(text('call '), text('run()', [{ type: 'code' }]), text(' now')),
    );
    comment(editor, server, 't-codeblock', 'answer = 42');
    comment(editor, server, 't-inlinecod', 'run()');
    expect(editor.pm.firstChild!.type.name).toBe('codeBlock');
    expect(editor.pm.firstChild!.textContent).toBe('const answer = 42;');
    expect(editor.markedText('t-codeblock')).toEqual(['answer = 42']);
    expect(editor.markedText('t-inlinecod')).toEqual(['run()']);
    const inline = editor.pm.child(1).child(1);
    expect(inline.marks.map((mark) => mark.type.name).sort()).toEqual(['code', 'comment']);
  });

  it('would lose code block text under TipTap\u2019s default code block, which is why the schema allows the mark', () => {
    const { editor, server } = documents({ type: 'codeBlock', content: [text('const answer = 42;')] });
    comment(editor, server, 't-codeblock', 'answer = 42');
    // y-tiptap deletes, in the shared doc, what its schema cannot hold: read a copy of it.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(editor.doc));
    const unconfigured = new HeadlessEditor(copy, defaultSchemaWithCommentMark());
    expect(unconfigured.pm.textContent).not.toContain('answer = 42');
    expect(copy.getXmlFragment(CONTENT_FRAGMENT_NAME).toString()).not.toContain('answer = 42');
    expect(editor.pm.textContent).toBe('const answer = 42;');
  });

  it('refuses a quote the text no longer matches, changing nothing', () => {
    const { editor, server } = documents(paragraph(text('The quick fox.')));
    const anchor = editor.anchor(...editor.find('quick'));
    const before = Y.encodeStateVector(server);
    expect(() => markAnchorUpdate(server, anchor, 'slow', 't-mismatch')).toThrow(expect.objectContaining({ code: 'moved' }));
    editor.transform((tr) => tr.insert(editor.find('quick')[0] + 2, editor.schema.text('very ')));
    Y.applyUpdate(server, Y.encodeStateAsUpdate(editor.doc));
    expect(() => markAnchorUpdate(server, anchor, 'quick', 't-mismatch')).toThrow(expect.objectContaining({ code: 'moved' }));
    expect(editor.markedText('t-mismatch')).toEqual([]);
    expect(Y.encodeStateVector(server)).not.toEqual(before); // only the edit, no mark
    expect(JSON.stringify(server.getXmlFragment(CONTENT_FRAGMENT_NAME).toJSON())).not.toContain('comment--');
  });

  it('refuses anchors that are not positions in the body', () => {
    const { editor, server } = documents(paragraph(text('Body text')));
    const elsewhere = new Y.Doc();
    const other = Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(elsewhere.getText('title'), 0))).toString('base64');
    expect(() => markAnchorUpdate(server, { from: '/////w==', to: '/////w==' }, 'Body', 't-badanchor')).toThrow(expect.objectContaining({ code: 'invalid' }));
    expect(() => markAnchorUpdate(server, { from: other, to: editor.anchor(1, 5).to }, 'Body', 't-badanchor')).toThrow(
      expect.objectContaining({ code: 'invalid' }),
    );
  });

  it('takes a deleted thread\u2019s mark off and leaves the other thread\u2019s', () => {
    const { editor, server } = documents(paragraph(text('alpha beta gamma')), paragraph(text('delta')));
    comment(editor, server, 't-removeme', 'beta gamma\ndelta', editor.anchor(editor.find('beta')[0], editor.find('delta')[1]));
    comment(editor, server, 't-keepthis', 'alpha beta');
    const update = unmarkThreadUpdate(server, 't-removeme')!;
    Y.applyUpdate(editor.doc, update);
    Y.applyUpdate(server, update);
    expect(editor.markedText('t-removeme')).toEqual([]);
    expect(editor.markedText('t-keepthis')).toEqual(['alpha beta']);
    expect(unmarkThreadUpdate(server, 't-removeme')).toBeNull();
  });

  it('follows the text through paragraph splits before and inside it and a join', () => {
    const { editor, server } = documents(paragraph(text('Lead words and the commented part here.')));
    comment(editor, server, 't-survives', 'the commented part');
    editor.transform((tr) => tr.split(editor.find('words')[1]));
    expect(editor.markedText('t-survives')).toEqual(['the commented part']);
    editor.transform((tr) => tr.split(editor.find('commented')[0]));
    expect(editor.markedText('t-survives')).toEqual(['the ', 'commented part']);
    const [, endOfThe] = editor.find('the ');
    editor.transform((tr) => tr.join(endOfThe + 1));
    expect(editor.pm.childCount).toBe(2);
    expect(editor.markedText('t-survives')).toEqual(['the commented part']);
  });

  it('leaves no mark when the commented text is deleted (the thread shows its quote)', () => {
    const { editor, server } = documents(paragraph(text('Keep this, drop that.')));
    comment(editor, server, 't-dropped1', 'drop that');
    const [from, to] = editor.find('drop that');
    editor.transform((tr) => tr.delete(from, to));
    expect(editor.markedText('t-dropped1')).toEqual([]);
    expect(editor.pm.textContent).toBe('Keep this, .');
  });

  it('replaces a thread\u2019s text with its suggestion in one change, keeping an overlapping thread on the rest', () => {
    const { editor, server } = documents(paragraph(text('one two three four')));
    comment(editor, server, 't-suggests', 'two three');
    comment(editor, server, 't-overlaps', 'three four');
    const before = Y.encodeStateVector(server);
    const update = replaceMarkedTextUpdate(server, 't-suggests', 'two three', '2 3');
    expect(Y.encodeStateVector(server)).toEqual(before); // built on a copy
    Y.applyUpdate(editor.doc, update);
    expect(editor.pm.textContent).toBe('one 2 3 four');
    expect(editor.markedText('t-suggests')).toEqual(['2 3']);
    // The replacement takes its first character's marks: "two" did not carry the other thread.
    expect(editor.markedText('t-overlaps')).toEqual([' four']);
  });

  it('refuses a replacement once the marked text is split across paragraphs or reads differently', () => {
    const { editor, server } = documents(paragraph(text('alpha beta gamma')));
    comment(editor, server, 't-splitted', 'beta gamma');
    editor.transform((tr) => tr.split(editor.find('gamma')[0]));
    Y.applyUpdate(server, Y.encodeStateAsUpdate(editor.doc, Y.encodeStateVector(server)));
    expect(() => replaceMarkedTextUpdate(server, 't-splitted', 'beta gamma', 'b g')).toThrow(expect.objectContaining({ code: 'moved' }));
    expect(() => replaceMarkedTextUpdate(server, 't-nomark00', 'beta', 'b')).toThrow(expect.objectContaining({ code: 'moved' }));
    comment(editor, server, 't-retyped0', 'alpha');
    // Retyped as an editor retypes inside a mark: the new letter carries it.
    const [at] = editor.find('alpha');
    editor.transform((tr) => tr.replaceWith(at, at + 1, editor.schema.text('A', [editor.schema.marks.comment.create({ threadId: 't-retyped0' })])));
    Y.applyUpdate(server, Y.encodeStateAsUpdate(editor.doc, Y.encodeStateVector(server)));
    expect(editor.markedText('t-retyped0')).toEqual(['Alpha']);
    expect(() => replaceMarkedTextUpdate(server, 't-retyped0', 'alpha', 'omega')).toThrow(expect.objectContaining({ code: 'moved' }));
  });
});
