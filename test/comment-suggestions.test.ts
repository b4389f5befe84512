/**
 * Suggested changes through a real server process: a commenter proposes replacement text for
 * a quote, an editor accepts and the server replaces exactly that text (read back through
 * y-tiptap: the replacement keeps the surrounding bold and the thread's mark), or the text
 * changed since and the accept is refused `moved` with nothing changed; a commenter cannot
 * decide; rejecting leaves the text; an empty suggestion deletes; bad suggestions are refused.
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

const ORIGINAL = 'The quick brown fox jumps over the lazy dog.';

/** An editor (Alice) who wrote ORIGINAL ("quick brown" bold), a second editor and a commenter. */
async function room() {
  const server = await startServerForTest();
  const name = uniqueRoom('suggest');
  const alice = await peer(server, name, 'a'.repeat(22));
  const bob = await peer(server, name, 'b'.repeat(22));
  const { commentId: link } = (await (await fetch(`${server.httpUrl}${commentLinkPath(name)}`)).json()) as { commentId: string };
  const carla = await peer(server, `${COMMENT_SYNC_PATH.slice(SYNC_PATH.length + 1)}/${link}`, 'c'.repeat(22));
  const writer = new HeadlessEditor(new Y.Doc());
  writer.load({
    type: 'doc',
    content: [{ type: 'paragraph', content: [{ type: 'text', text: 'The ' }, { type: 'text', text: 'quick brown', marks: [{ type: 'bold' }] }, { type: 'text', text: ' fox jumps over the lazy dog.' }] }],
  });
  /** Alice's edit as her editor sends it: only what the server lacks. */
  const typed = () => {
    const update = Y.encodeStateAsUpdate(writer.doc, Y.encodeStateVector(alice.doc));
    Y.applyUpdate(alice.doc, update);
    alice.send(updateFrame(update));
  };
  typed();
  for (const client of [alice, bob, carla]) await eventually(() => new HeadlessEditor(client.doc).pm.textContent === ORIGINAL, 'the text to arrive');
  const carlasView = new HeadlessEditor(carla.doc);
  const suggest = async (quote: string, replacement: string) => {
    const op = {
      op: 'create',
      threadId: commentId('t'),
      commentId: commentId('c'),
      anchor: carlasView.anchor(...carlasView.find(quote)),
      quote: { text: quote, prefix: '', suffix: '' },
      body: `better: ${replacement}`,
      suggestion: { text: replacement },
    };
    expect(await carla.op(op)).toEqual({ ok: true });
    // The editors hold the thread's mark before anyone decides.
    await eventually(() => new HeadlessEditor(bob.doc).markedText(op.threadId).length === 1, 'the mark to reach bob');
    return op.threadId;
  };
  return { alice, bob, carla, writer, typed, suggest };
}

describe('suggested changes', () => {
  it('an editor accepts: the text changes exactly there, keeps its bold and mark, and the thread is resolved', async () => {
    const { alice, bob, carla, suggest } = await room();
    const threadId = await suggest('brown', 'red');
    expect(carla.threads()[threadId].suggestion).toEqual({ text: 'red', state: 'open', decidedBy: null, decidedAt: null });

    expect(await carla.op({ op: 'accept', threadId })).toMatchObject({ code: 'forbidden' });
    expect(await carla.op({ op: 'reject', threadId })).toMatchObject({ code: 'forbidden' });
    expect(new HeadlessEditor(bob.doc).pm.textContent).toBe(ORIGINAL);

    expect(await alice.op({ op: 'accept', threadId })).toEqual({ ok: true });
    const expected = 'The quick red fox jumps over the lazy dog.';
    for (const client of [alice, bob, carla]) {
      await eventually(() => new HeadlessEditor(client.doc).pm.textContent === expected, 'the replacement to arrive');
    }
    const view = new HeadlessEditor(bob.doc);
    expect(view.markedText(threadId)).toEqual(['red']);
    const paragraph = view.pm.firstChild!;
    const runs = Array.from({ length: paragraph.childCount }, (_, i) => ({ text: paragraph.child(i).text, marks: paragraph.child(i).marks.map((mark) => mark.type.name).sort() }));
    expect(runs).toEqual([
      { text: 'The ', marks: [] },
      { text: 'quick ', marks: ['bold'] },
      { text: 'red', marks: ['bold', 'comment'] },
      { text: ' fox jumps over the lazy dog.', marks: [] },
    ]);
    await eventually(() => carla.threads()[threadId].suggestion?.state === 'accepted', 'carla to see the outcome');
    const thread = carla.threads()[threadId];
    expect(thread.suggestion?.decidedBy?.id).toBe(thread.resolvedBy?.id);
    expect(typeof thread.suggestion?.decidedAt).toBe('number');
    expect(thread.resolvedAt).toBe(thread.suggestion?.decidedAt);
    expect(thread.resolvedBy?.id).not.toBe(thread.comments[0].author.id);
    expect(await bob.op({ op: 'accept', threadId })).toMatchObject({ code: 'conflict' });
    expect(await bob.op({ op: 'reject', threadId })).toMatchObject({ code: 'conflict' });
  });

  it('refuses to accept once the text changed, changing neither the text nor the thread', async () => {
    const { alice, bob, carla, writer, typed, suggest } = await room();
    const threadId = await suggest('lazy dog', 'sleepy cat');
    const [from] = writer.find('dog');
    writer.transform((tr) => tr.insert(from, writer.schema.text('big ')));
    typed();
    const edited = 'The quick brown fox jumps over the lazy big dog.';
    await eventually(() => new HeadlessEditor(bob.doc).pm.textContent === edited, 'the edit to reach bob');
    const bobBefore = Y.encodeStateVector(bob.doc);
    expect(await alice.op({ op: 'accept', threadId })).toEqual({ code: 'moved', error: 'the text changed since the suggestion; edit it by hand' });
    // Nothing to wait for but time: a refused accept must send no document change at all.
    await sleep(100);
    expect(Y.encodeStateVector(bob.doc)).toEqual(bobBefore);
    expect(new HeadlessEditor(bob.doc).pm.textContent).toBe(edited);
    expect(carla.threads()[threadId]).toMatchObject({ suggestion: { state: 'open' }, resolvedAt: null });
    // The editor may still reject it.
    expect(await alice.op({ op: 'reject', threadId })).toEqual({ ok: true });
  });

  it('an editor rejects: the text stays, the outcome is stored and the thread resolved', async () => {
    const { bob, carla, suggest } = await room();
    const threadId = await suggest('jumps', 'leaps');
    expect(await bob.op({ op: 'reject', threadId })).toEqual({ ok: true });
    await eventually(() => carla.threads()[threadId].suggestion?.state === 'rejected', 'carla to see the outcome');
    expect(carla.threads()[threadId].resolvedAt).not.toBeNull();
    await sleep(100);
    expect(new HeadlessEditor(bob.doc).pm.textContent).toBe(ORIGINAL);
    expect(new HeadlessEditor(bob.doc).markedText(threadId)).toEqual(['jumps']);
  });

  it('an empty suggestion deletes the text; bad suggestions and threads without one are refused', async () => {
    const { alice, bob, carla, suggest } = await room();
    const threadId = await suggest(' lazy', '');
    expect(await alice.op({ op: 'accept', threadId })).toEqual({ ok: true });
    await eventually(() => new HeadlessEditor(bob.doc).pm.textContent === 'The quick brown fox jumps over the dog.', 'the deletion to arrive');

    const base = { op: 'create', threadId: commentId('t'), commentId: commentId('c'), anchor: new HeadlessEditor(carla.doc).anchor(...new HeadlessEditor(carla.doc).find('fox')), quote: { text: 'fox', prefix: '', suffix: '' }, body: 'hm' };
    expect(await carla.op({ ...base, suggestion: { text: 'two\nlines' } })).toMatchObject({ code: 'invalid' });
    expect(await carla.op({ ...base, suggestion: { text: 'fox' } })).toMatchObject({ code: 'invalid' });
    expect(await carla.op({ ...base, suggestion: { text: 7 } })).toMatchObject({ code: 'invalid' });
    expect(await carla.op({ ...base, suggestion: { text: 'x'.repeat(10 * 1024 + 1) } })).toMatchObject({ code: 'too_large' });
    expect(carla.threads()[base.threadId]).toBeUndefined();
    expect(await carla.op(base)).toEqual({ ok: true });
    expect(await alice.op({ op: 'accept', threadId: base.threadId })).toMatchObject({ code: 'not_found' });
  });
});
