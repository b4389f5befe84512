/**
 * Comment anchors through a real server process: a commenter, whose own document writes are
 * dropped, creates threads and the server marks their text; every editor's document, read
 * through y-tiptap with the editor's schema, holds the mark on exactly the quoted text (across
 * paragraphs, in a code block and in inline code, which keep their text); a quote the text no
 * longer matches is refused and changes no document; deleting the thread removes its mark.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { commentLinkPath } from '../lib/protocol/api-routes';
import { COMMENT_SYNC_PATH, SYNC_PATH } from '../lib/protocol/sync-protocol';
import { uniqueRoom } from './support/clients';
import { commentId, openCommentPeer, type CommentPeer } from './support/comment-peer';
import { updateFrame } from './support/frames';
import { HeadlessEditor } from './support/headless-editor';
import type { ServerProcess } from './support/server-process';
import { startServerForTest } from './support/test-scoped';
import { eventually, sleep } from './support/wait';

async function peer(server: ServerProcess, path: string, author: string): Promise<CommentPeer> {
  const opened = await openCommentPeer(server.syncUrl, path, { author });
  onTestFinished(() => opened.destroy());
  await opened.snapshot();
  return opened;
}

const paragraph = (value: string) => ({ type: 'paragraph', content: [{ type: 'text', text: value }] });

describe('comment anchors', () => {
  it('a commenter anchors threads and every editor holds the marks; a moved quote is refused; deleting unmarks', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('anchors');
    const alice = await peer(server, room, 'a'.repeat(22));
    const bob = await peer(server, room, 'b'.repeat(22));
    const { commentId: link } = (await (await fetch(`${server.httpUrl}${commentLinkPath(room)}`)).json()) as { commentId: string };
    const carla = await peer(server, `${COMMENT_SYNC_PATH.slice(SYNC_PATH.length + 1)}/${link}`, 'c'.repeat(22));

    // Alice writes the text (as her editor would: her doc holds it, the server is sent it).
    const writer = new HeadlessEditor(new Y.Doc());
    writer.load({
      type: 'doc',
      content: [
        paragraph('First paragraph ends here.'),
        paragraph('Second one starts here.'),
        { type: 'codeBlock', attrs: { language: 'js' }, content: [{ type: 'text', text: 'let total = 0;' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Call ' }, { type: 'text', text: 'sum()', marks: [{ type: 'code' }] }, { type: 'text', text: ' once.' }] },
      ],
    });
    const typed = (update: Uint8Array) => {
      Y.applyUpdate(alice.doc, update);
      alice.send(updateFrame(update));
    };
    typed(Y.encodeStateAsUpdate(writer.doc));
    for (const client of [alice, bob, carla]) await eventually(() => client.doc.getXmlFragment('default').length === 4, 'the text to arrive');

    // Carla's view of the text is what her composer makes anchors from.
    const carlasView = new HeadlessEditor(carla.doc);
    const thread = (quote: string, from: number, to: number) => ({
      op: 'create',
      threadId: commentId('t'),
      commentId: commentId('c'),
      anchor: carlasView.anchor(from, to),
      quote: { text: quote, prefix: '', suffix: '' },
      body: `about ${quote}`,
    });
    const spanning = thread('ends here.\nSecond', carlasView.find('ends here.')[0], carlasView.find('Second')[1]);
    const overlapping = thread('here.', ...carlasView.find('here.'));
    const inBlock = thread('total = 0', ...carlasView.find('total = 0'));
    const inCode = thread('sum()', ...carlasView.find('sum()'));
    for (const op of [spanning, overlapping, inBlock, inCode]) expect(await carla.op(op)).toEqual({ ok: true });

    for (const editor of [alice, bob]) {
      const view = new HeadlessEditor(editor.doc);
      await eventually(() => view.markedText(inCode.threadId).length === 1, 'the last mark to reach an editor');
      expect(view.markedText(spanning.threadId)).toEqual(['ends here.', 'Second']);
      expect(view.markedText(overlapping.threadId)).toEqual(['here.']);
      expect(view.markedText(inBlock.threadId)).toEqual(['total = 0']);
      expect(view.markedText(inCode.threadId)).toEqual(['sum()']);
      expect(view.pm.child(2).type.name).toBe('codeBlock');
      expect(view.pm.child(2).textContent).toBe('let total = 0;');
      expect(view.pm.child(3).child(1).marks.map((mark) => mark.type.name).sort()).toEqual(['code', 'comment']);
      expect(view.pm.textContent).toBe(writer.pm.textContent);
    }

    // The text under a selection changed before the comment arrived: refused, no document change.
    const stale = thread('starts here', ...carlasView.find('starts here'));
    const [, typeAt] = writer.find('starts');
    writer.transform((tr) => tr.insert(typeAt, writer.schema.text(' right')));
    // Only Alice's edit is new for the writer doc to send: encode against what the server has.
    typed(Y.encodeStateAsUpdate(writer.doc, Y.encodeStateVector(alice.doc)));
    await eventually(() => new HeadlessEditor(bob.doc).pm.textContent.includes('starts right here'), 'the edit to reach bob');
    const bobStateBefore = Y.encodeStateVector(bob.doc);
    expect(await carla.op({ ...stale, quote: { text: 'starts here', prefix: '', suffix: '' } })).toMatchObject({ code: 'moved' });
    // Nothing to wait for but time: a refused anchor must send no document change at all.
    await sleep(100);
    expect(Y.encodeStateVector(bob.doc)).toEqual(bobStateBefore);

    // Deleting a thread (its own author may) takes its mark off everyone's text.
    expect(await carla.op({ op: 'delete', threadId: overlapping.threadId })).toEqual({ ok: true });
    await eventually(() => new HeadlessEditor(alice.doc).markedText(overlapping.threadId).length === 0, 'the mark to go');
    expect(new HeadlessEditor(bob.doc).markedText(spanning.threadId)).toEqual(['ends here.', 'Second']);
  });
});
