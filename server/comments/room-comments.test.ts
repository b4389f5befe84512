/**
 * A room's comments in-process, with connections of each role (the `comment` role included,
 * which no sync path opens yet in this branch): an operation is stored under `<room>#comments`
 * before anyone is sent it or it is answered; a failed append is answered `unavailable`, sent to
 * nobody, and forgotten (the document is read again from storage). A new thread's text is
 * marked in the room's document, stored, before the thread is; deleting the thread unmarks it.
 */
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CommentsKind, THREADS_MAP, commentMarkKey, type CommentOpResult } from '../../lib/protocol/comments';
import { MessageType } from '../../lib/protocol/sync-protocol';
import type { Role } from '../auth';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { Room } from '../room';
import { createMemoryStorage } from '../storage/memory';
import { anchorOf, docWithParagraph, textMarkedWith } from '../testing/comment-text';
import { fakeConnection, type FakeConnection } from '../testing/fake-connection';
import { commentLogName } from './room-comments';
import { decodeCommentResult } from './wire';

const limits = { rootNames: new Set(['default', 'title', 'text']), maxNestingDepth: 64, maxStructs: 500_000, maxTitleLength: 0, titleRootName: 'title' };
const options = { logger: createLogger('silent'), metrics: createMetrics(), compactAfterUpdates: 500, maxDocumentBytes: 1 << 20, limits };
const BODY = docWithParagraph('Some words to comment on.');
const create = (threadId: string, quote = 'words') => ({
  op: 'create',
  threadId,
  commentId: `c-${threadId}`,
  anchor: anchorOf(BODY, quote),
  quote: { text: quote, prefix: '', suffix: '' },
  body: 'hello',
});

async function roomWith(storage = createMemoryStorage()) {
  const room = await Room.load({ name: 'r', storage, ...options });
  await room.writeForServer(Y.encodeStateAsUpdate(BODY), { id: 'seed', name: 'Seed', color: '#000000' });
  const join = (role: Role, authorId: string) => {
    const connection = fakeConnection({ role, roomName: 'r', wantsComments: true, authorId });
    room.join(connection);
    return connection;
  };
  let requestId = 0;
  const op = async (connection: FakeConnection, operation: object): Promise<CommentOpResult> => {
    const id = ++requestId;
    const json = JSON.stringify(operation);
    room.handle(connection, { kind: 'comment-op', requestId: id, json, bytes: json.length });
    await room.comments.settled();
    const answer = connection.sent.filter((frame) => frame[0] === MessageType.COMMENT_OP).map(decodeCommentResult).find((sent) => sent.requestId === id);
    return answer!.result;
  };
  return { room, storage, join, op };
}

/** The threads a connection was sent, applied to a fresh doc. */
function threadsSeenBy(connection: FakeConnection): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const frame of connection.sent.filter((sent) => sent[0] === MessageType.COMMENTS)) {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarUint(decoder);
    const kind = decoding.readVarUint(decoder);
    if (kind !== CommentsKind.AUTHOR) Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
  }
  return doc.getMap(THREADS_MAP).toJSON();
}

describe('RoomComments', () => {
  it('a commenter creates a thread: stored before it is sent or answered; editors see it, viewers do not', async () => {
    const { room, storage, join, op } = await roomWith();
    const editor = join('edit', 'editor');
    const commenter = join('comment', 'commenter');
    const viewer = join('view', 'viewer');
    let storedWhenSent = -1;
    const send = editor.send.bind(editor);
    editor.send = (frame) => {
      if (frame[0] === MessageType.COMMENTS && frame[1] === 1) void storage.load(commentLogName('r')).then((stored) => (storedWhenSent = stored.updates.length));
      send(frame);
    };
    const storedBodyBefore = (await storage.load('r')).updates.length;
    expect(await op(commenter, create('t-thread1'))).toEqual({ ok: true });
    expect(storedWhenSent).toBe(1);
    // The mark went into the room's document, stored (one more entry), by the commenter.
    expect(textMarkedWith(room.doc, commentMarkKey('t-thread1'))).toEqual(['words']);
    const storedBody = new Y.Doc();
    for (const update of (await storage.load('r')).updates) Y.applyUpdate(storedBody, update);
    expect(textMarkedWith(storedBody, commentMarkKey('t-thread1'))).toEqual(['words']);
    expect((await storage.load('r')).updates.length).toBe(storedBodyBefore + 1);
    expect(Object.keys(threadsSeenBy(editor))).toEqual(['t-thread1']);
    expect(Object.keys(threadsSeenBy(commenter))).toEqual(['t-thread1']);
    expect(viewer.sent.some((frame) => frame[0] === MessageType.COMMENTS)).toBe(false);
    expect(await op(commenter, { op: 'delete', threadId: 't-thread1', commentId: 'c-t-thread1' })).toEqual({ ok: true });
    expect(await op(editor, { op: 'edit', threadId: 't-thread1', commentId: 'c-t-thread1', body: 'x' })).toMatchObject({ code: 'not_found' });
    room.destroy();
  });

  it('refuses a thread whose text changed, or that already exists, without marking anything', async () => {
    const { room, storage, join, op } = await roomWith();
    const commenter = join('comment', 'commenter');
    const bodyBefore = (await storage.load('r')).updates.length;
    expect(await op(commenter, { ...create('t-thread1'), quote: { text: 'other', prefix: '', suffix: '' } })).toMatchObject({ code: 'moved' });
    expect(await op(commenter, create('t-thread1'))).toEqual({ ok: true });
    expect(await op(commenter, create('t-thread1', 'comment'))).toMatchObject({ code: 'conflict' });
    expect(textMarkedWith(room.doc, commentMarkKey('t-thread1'))).toEqual(['words']);
    expect((await storage.load('r')).updates.length).toBe(bodyBefore + 1);
    expect(await op(commenter, { op: 'resolve', threadId: 't-thread1' })).toEqual({ ok: true });
    expect((await storage.load('r')).updates.length).toBe(bodyBefore + 1);
    room.destroy();
  });

  it('anchors in text an editor sent just before the operation (its change is applied first)', async () => {
    const { room, join, op } = await roomWith();
    const editor = join('edit', 'editor');
    const typed = new Y.Doc();
    Y.applyUpdate(typed, Y.encodeStateAsUpdate(BODY));
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('Freshly typed.')]);
    typed.getXmlFragment('default').push([paragraph]);
    const update = Y.encodeStateAsUpdate(typed, Y.encodeStateVector(room.doc));
    room.handle(editor, { kind: 'sync-update', update, empty: false, decoded: Y.decodeUpdate(update) });
    const fresh = { ...create('t-thread1'), anchor: anchorOf(typed, 'Freshly'), quote: { text: 'Freshly', prefix: '', suffix: '' } };
    expect(await op(editor, fresh)).toEqual({ ok: true });
    expect(textMarkedWith(room.doc, commentMarkKey('t-thread1'))).toEqual(['Freshly']);
    room.destroy();
  });

  it('deleting a whole thread takes its mark off the text; the other thread keeps its own', async () => {
    const { room, join, op } = await roomWith();
    const editor = join('edit', 'editor');
    expect(await op(editor, create('t-thread1', 'Some words'))).toEqual({ ok: true });
    expect(await op(editor, create('t-thread2', 'words to'))).toEqual({ ok: true });
    expect(await op(editor, { op: 'delete', threadId: 't-thread1' })).toEqual({ ok: true });
    expect(textMarkedWith(room.doc, commentMarkKey('t-thread1'))).toEqual([]);
    expect(textMarkedWith(room.doc, commentMarkKey('t-thread2')).join('')).toBe('words to');
    room.destroy();
  });

  it('a failed append is answered unavailable, sent to nobody, and forgotten', async () => {
    const storage = createMemoryStorage();
    const { room, join, op } = await roomWith(storage);
    const editor = join('edit', 'editor');
    const other = join('comment', 'other');
    expect(await op(editor, create('t-thread1'))).toEqual({ ok: true });
    const append = storage.append.bind(storage);
    // Only the comment log fails: the thread's mark is stored, then taken off again.
    storage.append = async (name, ...rest) => {
      if (name === commentLogName('r')) throw new Error('disk gone');
      return append(name, ...rest);
    };
    expect(await op(editor, create('t-thread2'))).toEqual({ code: 'unavailable', error: 'the comment could not be stored; try again' });
    expect(Object.keys(threadsSeenBy(other))).toEqual(['t-thread1']);
    expect(textMarkedWith(room.doc, commentMarkKey('t-thread2'))).toEqual([]);
    storage.append = append;
    // Read again from storage: the refused thread is not there, and its id is free.
    expect(await op(editor, create('t-thread2'))).toEqual({ ok: true });
    expect(Object.keys(threadsSeenBy(other)).sort()).toEqual(['t-thread1', 't-thread2']);
    room.destroy();
  });
});
