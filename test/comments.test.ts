/**
 * Comment threads through a real server process: every operation by edit and view
 * connections (the comment role is held to the same rules in server/comments/threads.test.ts),
 * own-only edits and deletes, the limits, malformed COMMENT_OP frames, stock clients, and
 * durability: a thread is in the SQLite file before its `ok`, and survives a restart.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { CommentsKind, MAX_COMMENT_BODY_BYTES } from '../lib/protocol/comments';
import { commentLinkPath, viewLinkPath } from '../lib/protocol/api-routes';
import { COMMENT_SYNC_PATH, SYNC_PATH } from '../lib/protocol/sync-protocol';
import { updateFrame, updateFrom } from './support/frames';
import { rejectedTotal } from './support/metrics';
import { CloseCode } from '../lib/protocol/close-codes';
import { MessageType } from '../lib/protocol/sync-protocol';
import { mintToken } from '../server/auth';
import { authorIdForKey } from '../server/authors';
import { commentLogName } from '../server/comments/room-comments';
import { anchorOf, docWithParagraph } from '../server/testing/comment-text';
import { uniqueRoom } from './support/clients';
import { commentId, openCommentPeer, type CommentPeer } from './support/comment-peer';
import { storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { startServerForTest } from './support/test-scoped';
import { eventually, sleep } from './support/wait';

const AUTHOR_A = 'a'.repeat(22);
const AUTHOR_B = 'b'.repeat(22);

/** The body every editor peer writes (the same update, so once per room): threads anchor in it. */
const BODY = docWithParagraph('Text before the commented words after it.');

async function peer(server: ServerProcess, path: string, query: Record<string, string> = {}): Promise<CommentPeer> {
  const opened = await openCommentPeer(server.syncUrl, path, query);
  onTestFinished(() => opened.destroy());
  if (!path.includes('/')) opened.send(updateFrame(Y.encodeStateAsUpdate(BODY)));
  return opened;
}

async function viewIdOf(server: ServerProcess, room: string): Promise<string> {
  const response = await fetch(`${server.httpUrl}${viewLinkPath(room)}`);
  return ((await response.json()) as { viewId: string }).viewId;
}

const quote = { text: 'the commented words', prefix: 'before ', suffix: ' after' };

function createOp(body = 'first!') {
  return { op: 'create', threadId: commentId('t'), commentId: commentId('c'), anchor: anchorOf(BODY, quote.text), quote, body };
}

describe('comment threads', () => {
  it('an editor creates, replies, resolves, reopens, edits and deletes; everyone asking sees each stored change', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('comments');
    const alice = await peer(server, room, { author: AUTHOR_A });
    const bob = await peer(server, room, { author: AUTHOR_B });
    await Promise.all([alice.snapshot(), bob.snapshot()]);

    const create = createOp('Is this right?');
    expect(await alice.op(create)).toEqual({ ok: true });
    // Answered after the change was sent: the asker holds it when it reads `ok`.
    const thread = alice.threads()[create.threadId];
    expect(thread.quote).toEqual(quote);
    expect(thread.comments).toMatchObject([{ id: create.commentId, body: 'Is this right?', deleted: false, editedAt: null }]);
    expect(thread.comments[0].author.id).not.toBe('anonymous');

    const reply = commentId('r');
    expect(await bob.op({ op: 'reply', threadId: create.threadId, commentId: reply, body: 'Yes, see https://example.com' })).toEqual({ ok: true });
    expect(await bob.op({ op: 'resolve', threadId: create.threadId })).toEqual({ ok: true });
    await eventually(() => alice.threads()[create.threadId]?.resolvedAt !== null, 'alice to see the thread resolved');
    expect(alice.threads()[create.threadId].resolvedBy?.id).toBe(bob.threads()[create.threadId].comments[1].author.id);
    expect(await alice.op({ op: 'resolve', threadId: create.threadId })).toMatchObject({ code: 'conflict' });
    expect(await alice.op({ op: 'reopen', threadId: create.threadId })).toEqual({ ok: true });
    expect(await alice.op({ op: 'edit', threadId: create.threadId, commentId: create.commentId, body: 'Is this right now?' })).toEqual({ ok: true });
    expect(await bob.op({ op: 'delete', threadId: create.threadId, commentId: reply })).toEqual({ ok: true });
    await eventually(() => alice.threads()[create.threadId]?.comments[1]?.deleted === true, 'alice to see the reply deleted');
    const seen = alice.threads()[create.threadId];
    expect(seen.resolvedAt).toBeNull();
    expect(seen.comments[0]).toMatchObject({ body: 'Is this right now?' });
    expect(typeof seen.comments[0].editedAt).toBe('number');
    expect(seen.comments[1]).toMatchObject({ body: '', deleted: true });

    // A late joiner gets the whole state in its snapshot.
    const carol = await peer(server, room);
    await carol.snapshot();
    expect(carol.threads()).toEqual(alice.threads());
    // The author id comes first, then the snapshot.
    expect(carol.commentKinds.slice(0, 2)).toEqual([CommentsKind.AUTHOR, CommentsKind.SNAPSHOT]);
  });

  it('tells each commenting connection its own author id: the author key’s hash, a token’s sub, or anonymous', async () => {
    const secret = randomBytes(32).toString('hex');
    const server = await startServerForTest({ env: { AUTH_SECRET: secret } });
    const tokens = { secret, audience: 'tandem' };
    const room = uniqueRoom('author-id');
    const withKey = await peer(server, room, { author: AUTHOR_A, token: (await mintToken(tokens, { room, role: 'edit' }, 60)).token });
    const withSub = await peer(server, room, { author: AUTHOR_B, token: (await mintToken(tokens, { room, role: 'edit', sub: 'user-carol' }, 60)).token });
    await eventually(() => withKey.authorId() !== null && withSub.authorId() !== null, 'both author ids');
    expect(withKey.authorId()).toBe(authorIdForKey(AUTHOR_A));
    expect(withSub.authorId()).toBe('user-carol');
    // What it was told is what its comments carry.
    expect(await withSub.op(createOp('mine'))).toEqual({ ok: true });
    const [thread] = Object.values(withSub.threads());
    expect(thread.comments[0].author.id).toBe('user-carol');
    const anonymous = await peer(server, room, { token: (await mintToken(tokens, { room, role: 'edit' }, 60)).token });
    await eventually(() => anonymous.authorId() !== null, 'the anonymous id');
    expect(anonymous.authorId()).toBe('anonymous');
  });

  it('only the author edits or deletes a comment; an editor deletes any whole thread', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('own');
    const alice = await peer(server, room, { author: AUTHOR_A });
    const bob = await peer(server, room, { author: AUTHOR_B });
    const create = createOp();
    expect(await alice.op(create)).toEqual({ ok: true });
    const editOther = await bob.op({ op: 'edit', threadId: create.threadId, commentId: create.commentId, body: 'mine now' });
    expect(editOther).toEqual({ code: 'forbidden', error: 'you may edit only your own comments' });
    expect(await bob.op({ op: 'delete', threadId: create.threadId, commentId: create.commentId })).toMatchObject({ code: 'forbidden' });
    expect(alice.threads()[create.threadId].comments[0].body).toBe('first!');
    expect(await bob.op({ op: 'delete', threadId: create.threadId })).toEqual({ ok: true });
    await eventually(() => alice.threads()[create.threadId] === undefined, 'the thread to be gone for alice');
    expect(await alice.op({ op: 'reply', threadId: create.threadId, commentId: commentId(), body: 'hello?' })).toMatchObject({ code: 'not_found' });
  });

  it('the anonymous author owns only what it wrote on the same connection', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('anon');
    const first = await peer(server, room);
    const second = await peer(server, room);
    const create = createOp();
    expect(await first.op(create)).toEqual({ ok: true });
    expect(first.threads()[create.threadId].comments[0].author.id).toBe('anonymous');
    expect(await second.op({ op: 'edit', threadId: create.threadId, commentId: create.commentId, body: 'x' })).toMatchObject({ code: 'forbidden' });
    expect(await first.op({ op: 'edit', threadId: create.threadId, commentId: create.commentId, body: 'fixed' })).toEqual({ ok: true });
  });

  it('a view connection gets no comments by default and may do nothing', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('viewer');
    const editor = await peer(server, room);
    const create = createOp();
    expect(await editor.op(create)).toEqual({ ok: true });
    const viewer = await peer(server, `view/${await viewIdOf(server, room)}`);
    for (const op of [
      createOp(),
      { op: 'reply', threadId: create.threadId, commentId: commentId(), body: 'hi' },
      { op: 'resolve', threadId: create.threadId },
      { op: 'reopen', threadId: create.threadId },
      { op: 'edit', threadId: create.threadId, commentId: create.commentId, body: 'x' },
      { op: 'delete', threadId: create.threadId },
    ]) {
      expect(await viewer.op(op)).toEqual({ code: 'forbidden', error: 'view links cannot comment' });
    }
    expect(await editor.op({ op: 'resolve', threadId: create.threadId })).toEqual({ ok: true });
    // Answers to the viewer's own requests came after its join: a snapshot would have come first.
    expect(viewer.frames.some((frame) => frame[0] === MessageType.COMMENTS)).toBe(false);
    expect(viewer.threads()).toEqual({});
  });

  it('a view connection receives comments while the room allows it (commentsVisibleToViewers), and stops when it no longer does', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('visible');
    const editor = await peer(server, room);
    const first = createOp('before sharing');
    expect(await editor.op(first)).toEqual({ ok: true });
    const viewer = await peer(server, `view/${await viewIdOf(server, room)}`);
    const settings = (body: object) =>
      fetch(`${server.httpUrl}/api/rooms/${room}/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const allowed = await settings({ commentsVisibleToViewers: true });
    expect(await allowed.json()).toEqual({ historyVisibleToViewers: false, commentsVisibleToViewers: true });
    // Connected before the change: it gets the whole state at once.
    await viewer.snapshot();
    expect(viewer.threads()[first.threadId].comments[0].body).toBe('before sharing');
    const second = createOp('while shared');
    expect(await editor.op(second)).toEqual({ ok: true });
    await eventually(() => viewer.threads()[second.threadId] !== undefined, 'the viewer to see the new thread');
    // Viewers still may not write.
    expect(await viewer.op(createOp())).toMatchObject({ code: 'forbidden' });

    expect((await settings({ commentsVisibleToViewers: false })).status).toBe(200);
    const third = createOp('after unsharing');
    expect(await editor.op(third)).toEqual({ ok: true });
    expect(await editor.op({ op: 'resolve', threadId: first.threadId })).toEqual({ ok: true });
    const late = await peer(server, `view/${await viewIdOf(server, room)}`);
    expect(await late.op({ op: 'resolve', threadId: second.threadId })).toMatchObject({ code: 'forbidden' });
    // Answers come after everything sent before them on the same socket: the late viewer has no
    // snapshot on its way, and the first viewer got nothing of the two changes after unsharing.
    expect(await viewer.op({ op: 'resolve', threadId: second.threadId })).toMatchObject({ code: 'forbidden' });
    expect(viewer.threads()[third.threadId]).toBeUndefined();
    expect(viewer.threads()[first.threadId].resolvedAt).toBeNull();
    expect(late.commentKinds).toEqual([]);
    expect((await settings({ commentsVisibleToViewers: 'yes' })).status).toBe(400);
  });

  it('stock clients never receive comment messages, and one sending COMMENT_OP is closed as malformed', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('stock');
    const types: number[] = [];
    const stock = new WebSocket(`${server.syncUrl}/${room}`);
    onTestFinished(() => stock.close());
    stock.on('message', (data: Buffer) => types.push(data[0]));
    await new Promise((resolve) => stock.once('open', resolve));
    const editor = await peer(server, room);
    expect(await editor.op(createOp())).toEqual({ ok: true });
    await eventually(() => types.length > 0, 'the stock client to get its handshake');
    expect(types.filter((type) => type >= 100)).toEqual([]);
    const closed = new Promise<number>((resolve) => stock.once('close', resolve));
    stock.send(Uint8Array.from([MessageType.COMMENT_OP, 1, 2, 0x7b, 0x7d]));
    expect(await closed).toBe(CloseCode.MALFORMED_MESSAGE);
  });

  it('refuses bodies over 10 KB, malformed operations and huge frames with clear errors, and stays up', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('limits');
    const alice = await peer(server, room);
    expect(await alice.op(createOp('é'.repeat(MAX_COMMENT_BODY_BYTES / 2)))).toEqual({ ok: true });
    expect(await alice.op(createOp('é'.repeat(MAX_COMMENT_BODY_BYTES / 2) + 'x'))).toEqual({
      code: 'too_large',
      error: `"body" is ${MAX_COMMENT_BODY_BYTES + 1} bytes; at most ${MAX_COMMENT_BODY_BYTES} (UTF-8) are allowed`,
    });
    expect(await alice.opText('{not json')).toEqual({ code: 'invalid', error: 'the operation is not JSON' });
    expect(await alice.op(['create'])).toMatchObject({ code: 'invalid', error: 'the operation must be a JSON object' });
    expect(await alice.op({ op: 'shout', threadId: commentId() })).toMatchObject({ code: 'invalid', error: expect.stringMatching(/unknown operation "shout"/) });
    expect(await alice.op({ ...createOp(), threadId: 'short' })).toMatchObject({ code: 'invalid', error: expect.stringMatching(/"threadId"/) });
    expect(await alice.op({ ...createOp(), body: '  \n ' })).toMatchObject({ code: 'invalid', error: '"body" must not be empty' });
    expect(await alice.op({ ...createOp(), quote: { text: 'x' } })).toMatchObject({ code: 'invalid', error: '"quote.prefix" must be a string' });
    expect(await alice.opText(JSON.stringify({ ...createOp(), body: 'x'.repeat(40_000) }))).toMatchObject({ code: 'too_large' });
    // Truncated: no request id to answer, so the sender is closed; the server stays up.
    alice.send(Uint8Array.from([MessageType.COMMENT_OP, 0x80]));
    expect(await alice.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    const again = await peer(server, room);
    await again.snapshot();
    expect(Object.keys(again.threads())).toHaveLength(1);
    // HTML is kept as text, never interpreted: the server stores exactly what was sent.
    const html = createOp('<img src=x onerror=alert(1)>');
    expect(await again.op(html)).toEqual({ ok: true });
    expect(again.threads()[html.threadId].comments[0].body).toBe('<img src=x onerror=alert(1)>');
  });

  it('answers operations past the rate rate_limited and keeps the connection; caps threads per room', async () => {
    const server = await startServerForTest({ env: { COMMENT_OP_RATE_PER_SECOND: '1', COMMENT_OP_BURST: '3', MAX_THREADS_PER_ROOM: '2' } });
    const room = uniqueRoom('rate');
    const alice = await peer(server, room);
    const answers = await Promise.all([createOp(), createOp(), createOp(), createOp()].map((op) => alice.op(op)));
    expect(answers.slice(0, 2)).toEqual([{ ok: true }, { ok: true }]);
    expect(answers[2]).toMatchObject({ code: 'thread_limit', error: expect.stringMatching(/MAX_THREADS_PER_ROOM/) });
    expect(answers[3]).toMatchObject({ code: 'rate_limited' });
    expect(alice.closeCode).toBeNull();
    const bob = await peer(server, room);
    expect(await bob.op(createOp())).toMatchObject({ code: 'thread_limit' });
    expect(Object.keys(bob.threads())).toHaveLength(2);
  });

  it('stores a thread before answering ok, and it survives a restart', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl });
    const room = uniqueRoom('durable');
    const alice = await peer(server, room);
    const create = createOp('keep me');
    expect(await alice.op(create)).toEqual({ ok: true });
    // Read straight from the file while the server runs: the answer came after the commit.
    const stored = storedDoc(databaseUrl, commentLogName(room));
    expect(stored.getMap('threads').has(create.threadId)).toBe(true);
    stored.destroy();
    await server.kill();

    const restarted = await startServerForTest({ databaseUrl });
    const bob = await peer(restarted, room);
    await bob.snapshot();
    expect(bob.threads()[create.threadId].comments[0].body).toBe('keep me');
  });

  it('a refused operation sends no change to anyone', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('nochange');
    const alice = await peer(server, room);
    const create = createOp();
    expect(await alice.op(create)).toEqual({ ok: true });
    const before = alice.commentKinds.length;
    expect(await alice.op({ op: 'reopen', threadId: create.threadId })).toMatchObject({ code: 'conflict' });
    // Nothing to wait for but time: a refused operation must send no update at all.
    await sleep(100);
    expect(alice.commentKinds.length).toBe(before);
  });

  it('a commenter on the comment link comments under its own name, and its document writes change nothing', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('commenter');
    const alice = await peer(server, room, { author: AUTHOR_A });
    await alice.snapshot();
    const { commentId: link } = (await (await fetch(`${server.httpUrl}${commentLinkPath(room)}`)).json()) as { commentId: string };
    const carla = await peer(server, `${COMMENT_SYNC_PATH.slice(SYNC_PATH.length + 1)}/${link}`, { author: AUTHOR_B });
    await carla.snapshot();

    const create = createOp('Should this say more?');
    expect(await carla.op(create)).toEqual({ ok: true });
    await eventually(() => alice.threads()[create.threadId] !== undefined, 'the editor to see the commenter\'s thread');
    const author = alice.threads()[create.threadId].comments[0].author.id;
    expect(author).not.toBe('anonymous');
    // Own only: the commenter edits its comment, not the editor's.
    const editors = createOp('Editor note');
    expect(await alice.op(editors)).toEqual({ ok: true });
    expect(await carla.op({ op: 'edit', threadId: create.threadId, commentId: create.commentId, body: 'Should this say more? (edited)' })).toEqual({ ok: true });
    expect(await carla.op({ op: 'edit', threadId: editors.threadId, commentId: editors.commentId, body: 'taken over' })).toMatchObject({ code: 'forbidden' });
    expect(await carla.op({ op: 'delete', threadId: editors.threadId })).toMatchObject({ code: 'forbidden' });

    // The text stays read-only for the commenter: its update is dropped, counted, never stored.
    carla.send(updateFrame(updateFrom((text) => text.insert(0, 'typed by a commenter'))));
    await eventually(async () => (await rejectedTotal(server.httpUrl, 'read_only')) >= 1, "the commenter's write to be refused");
    expect(await alice.op(createOp('after the refused write'))).toEqual({ ok: true });
    expect(alice.text.toString()).toBe('');
    expect(carla.closeCode).toBeNull();
  });
});
