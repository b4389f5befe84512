/**
 * lib/client/comments-client.ts on a stock WebsocketProvider (in Node) against a real server
 * process: the threads arrive, operations are answered by request id, refusals come back as
 * answers, another client sees the change, and a socket that closes answers what waits.
 */
import { toBase64 } from 'lib0/buffer';
import { describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { CommentsClient } from '../lib/client/comments-client';
import { COMMENTS_PARAM } from '../lib/protocol/comments';
import { AUTHOR_PARAM } from '../lib/protocol/author-id';
import { uniqueRoom } from './support/clients';
import { commentId } from './support/comment-peer';
import { openClientForTest, startServerForTest } from './support/test-scoped';
import { eventually } from './support/wait';

function openCommenter(syncUrl: string, room: string, author: string) {
  const client = openClientForTest(syncUrl, room, { params: { [COMMENTS_PARAM]: '1', [AUTHOR_PARAM]: author } });
  const comments = new CommentsClient(client.provider);
  onTestFinished(() => comments.destroy());
  return { client, comments };
}

const quote = { text: 'quoted', prefix: 'before ', suffix: ' after' };

/**
 * Writes "before quoted after" as the body's one paragraph and returns the anchor of "quoted"
 * (what y-tiptap's absolutePositionToRelativePosition gives inside a text: a position in the Y.XmlText).
 */
function writeQuotedText(doc: Y.Doc) {
  const paragraph = new Y.XmlElement('paragraph');
  const text = new Y.XmlText();
  doc.getXmlFragment('default').insert(0, [paragraph]);
  paragraph.insert(0, [text]);
  text.insert(0, 'before quoted after');
  const at = (index: number) => toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index)));
  return { from: at(7), to: at(13) };
}

describe('the comments client', () => {
  it('receives the threads, has its operations answered, and sees refusals as answers', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('comments-client');
    const alice = openCommenter(server.syncUrl, room, 'a'.repeat(22));
    const bob = openCommenter(server.syncUrl, room, 'b'.repeat(22));
    await eventually(() => alice.comments.hasReceived() && bob.comments.hasReceived(), 'both snapshots');
    expect(alice.comments.getThreads()).toEqual({});
    const anchor = writeQuotedText(alice.client.doc);

    const threadId = commentId('thread');
    const seen: number[] = [];
    bob.comments.subscribe(() => seen.push(Object.keys(bob.comments.getThreads()).length));
    const created = await alice.comments.send({ op: 'create', threadId, commentId: commentId('first'), anchor, quote, body: 'Hello' });
    expect(created).toEqual({ ok: true });
    // The asker holds the change before its answer.
    expect(alice.comments.getThreads()[threadId].comments[0].body).toBe('Hello');
    await eventually(() => bob.comments.getThreads()[threadId] !== undefined, 'bob to see the thread');
    expect(seen).toContain(1);

    const [reply, missing] = await Promise.all([
      bob.comments.send({ op: 'reply', threadId, commentId: commentId('reply'), body: 'Hi back' }),
      bob.comments.send({ op: 'resolve', threadId: commentId('nothread') }),
    ]);
    expect(reply).toEqual({ ok: true });
    expect(missing).toMatchObject({ code: 'not_found' });
    const editOthers = await bob.comments.send({ op: 'edit', threadId, commentId: alice.comments.getThreads()[threadId].comments[0].id, body: 'x' });
    expect(editOthers).toMatchObject({ code: 'forbidden' });
    await eventually(() => alice.comments.getThreads()[threadId].comments.length === 2, 'alice to see the reply');

    // A change to one thread leaves every other thread the same object (the margin re-renders
    // only changed cards); the changed one is new.
    const otherId = commentId('other');
    expect(await alice.comments.send({ op: 'create', threadId: otherId, commentId: commentId('o'), anchor, quote, body: 'Another' })).toEqual({ ok: true });
    await eventually(() => bob.comments.getThreads()[otherId] !== undefined, 'bob to see the second thread');
    const before = bob.comments.getThreads();
    expect(await alice.comments.send({ op: 'resolve', threadId })).toEqual({ ok: true });
    await eventually(() => bob.comments.getThreads()[threadId].resolvedAt !== null, 'bob to see it resolved');
    const after = bob.comments.getThreads();
    expect(after[otherId]).toBe(before[otherId]);
    expect(after[threadId]).not.toBe(before[threadId]);
  });

  it('answers operations that wait when the socket closes with unavailable, and refuses to send while offline', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('comments-close');
    const { client, comments } = openCommenter(server.syncUrl, room, 'c'.repeat(22));
    await eventually(() => comments.hasReceived(), 'the snapshot');
    const anchor = writeQuotedText(client.doc);
    const pending = comments.send({ op: 'create', threadId: commentId('t'), commentId: commentId('c'), anchor, quote, body: 'x' });
    client.provider.disconnect();
    expect(await pending).toMatchObject({ code: 'unavailable' });
    expect(await comments.send({ op: 'resolve', threadId: commentId('t') })).toMatchObject({ code: 'unavailable' });
  });

  it('catches up from the new socket’s snapshot: a thread deleted while away is gone', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('comments-snapshot');
    const author = 'd'.repeat(22);
    const away = openCommenter(server.syncUrl, room, author);
    const other = openCommenter(server.syncUrl, room, author);
    await eventually(() => away.comments.hasReceived() && other.comments.hasReceived(), 'snapshots');
    const anchor = writeQuotedText(other.client.doc);
    const threadId = commentId('gone');
    expect(await other.comments.send({ op: 'create', threadId, commentId: commentId('c'), anchor, quote, body: 'soon gone' })).toEqual({ ok: true });
    await eventually(() => away.comments.getThreads()[threadId] !== undefined, 'the thread');
    away.client.provider.disconnect();
    expect(await other.comments.send({ op: 'delete', threadId })).toEqual({ ok: true });
    away.client.provider.connect();
    await eventually(() => away.comments.getThreads()[threadId] === undefined, 'the deleted thread to go');
  });
});
