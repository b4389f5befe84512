/**
 * The rules of threads on a real side document, by role: edit and comment may create, reply,
 * resolve, reopen and edit or delete their own comments; only edit deletes a thread holding
 * others' comments; only edit accepts or rejects a suggestion, once; view may do nothing. A
 * refusal changes nothing.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { THREADS_MAP, type CommentOp, type CommentThread } from '../../lib/protocol/comments';
import type { Role } from '../auth';
import { ANONYMOUS_AUTHOR_ID } from '../authors';
import { parseCommentOp } from './parse-op';
import { applyCommentOp, type CommentActor } from './threads';

const LIMITS = { maxThreads: 10 };
const quote = { text: 'words', prefix: '', suffix: '' };
const anchor = { from: 'AA==', to: 'AA==' };

function actor(role: Role, id: string): CommentActor {
  return { role, author: { id, name: id, color: '#000000' }, createdHere: new Set() };
}

function threadsOf(doc: Y.Doc): Record<string, CommentThread> {
  return doc.getMap(THREADS_MAP).toJSON() as Record<string, CommentThread>;
}

/** A doc holding thread `t-thread1` by `owner`, with comment `c-first01`. */
function docWithThread(owner: CommentActor): Y.Doc {
  const doc = new Y.Doc();
  applyCommentOp(doc, { op: 'create', threadId: 't-thread1', commentId: 'c-first01', anchor, quote, body: 'hi' }, owner, LIMITS);
  return doc;
}

const OPS: Record<string, CommentOp> = {
  create: { op: 'create', threadId: 't-thread2', commentId: 'c-second1', anchor, quote, body: 'new' },
  reply: { op: 'reply', threadId: 't-thread1', commentId: 'c-reply01', body: 'reply' },
  resolve: { op: 'resolve', threadId: 't-thread1' },
};

describe('comment rules by role', () => {
  for (const role of ['edit', 'comment'] as const) {
    it(`${role}: creates, replies, resolves, reopens, edits and deletes its own`, () => {
      const me = actor(role, 'me');
      const doc = docWithThread(me);
      for (const op of Object.values(OPS)) applyCommentOp(doc, op, me, LIMITS);
      applyCommentOp(doc, { op: 'reopen', threadId: 't-thread1' }, me, LIMITS);
      applyCommentOp(doc, { op: 'edit', threadId: 't-thread1', commentId: 'c-first01', body: 'edited' }, me, LIMITS);
      applyCommentOp(doc, { op: 'delete', threadId: 't-thread1', commentId: 'c-reply01' }, me, LIMITS);
      const thread = threadsOf(doc)['t-thread1'];
      expect(thread.resolvedAt).toBeNull();
      expect(thread.comments.map((comment) => [comment.body, comment.deleted])).toEqual([
        ['edited', false],
        ['', true],
      ]);
      expect(Object.keys(threadsOf(doc)).sort()).toEqual(['t-thread1', 't-thread2']);
      // A thread holding only its own comments: its author may delete it whole.
      applyCommentOp(doc, { op: 'delete', threadId: 't-thread2' }, me, LIMITS);
      expect(Object.keys(threadsOf(doc))).toEqual(['t-thread1']);
    });

    it(`${role}: may not edit or delete another author's comment`, () => {
      const doc = docWithThread(actor('edit', 'owner'));
      const before = Y.encodeStateAsUpdate(doc);
      const other = actor(role, 'other');
      expect(() => applyCommentOp(doc, { op: 'edit', threadId: 't-thread1', commentId: 'c-first01', body: 'x' }, other, LIMITS)).toThrow(
        'you may edit only your own comments',
      );
      expect(() => applyCommentOp(doc, { op: 'delete', threadId: 't-thread1', commentId: 'c-first01' }, other, LIMITS)).toThrow(
        'you may delete only your own comments',
      );
      expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    });
  }

  it('only an editor deletes a thread that holds others\u2019 comments', () => {
    const doc = docWithThread(actor('edit', 'owner'));
    expect(() => applyCommentOp(doc, { op: 'delete', threadId: 't-thread1' }, actor('comment', 'other'), LIMITS)).toThrow(/only editors/);
    expect(threadsOf(doc)['t-thread1']).toBeDefined();
    applyCommentOp(doc, { op: 'delete', threadId: 't-thread1' }, actor('edit', 'other'), LIMITS);
    expect(threadsOf(doc)).toEqual({});
  });

  it('view may do nothing', () => {
    const doc = docWithThread(actor('edit', 'owner'));
    const before = Y.encodeStateAsUpdate(doc);
    for (const op of [...Object.values(OPS), { op: 'delete', threadId: 't-thread1' } as const]) {
      expect(() => applyCommentOp(doc, op, actor('view', 'owner'), LIMITS)).toThrow('view links cannot comment');
    }
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  it('the anonymous author owns only what this connection created', () => {
    const first = actor('comment', ANONYMOUS_AUTHOR_ID);
    const doc = docWithThread(first);
    const second = actor('comment', ANONYMOUS_AUTHOR_ID);
    expect(() => applyCommentOp(doc, { op: 'edit', threadId: 't-thread1', commentId: 'c-first01', body: 'x' }, second, LIMITS)).toThrow(/only your own/);
    applyCommentOp(doc, { op: 'edit', threadId: 't-thread1', commentId: 'c-first01', body: 'mine' }, first, LIMITS);
    expect(threadsOf(doc)['t-thread1'].comments[0].body).toBe('mine');
  });

  it('caps threads per room and refuses duplicate ids', () => {
    const me = actor('comment', 'me');
    const doc = docWithThread(me);
    expect(() => applyCommentOp(doc, { ...(OPS.create as Extract<CommentOp, { op: 'create' }>), threadId: 't-thread1' }, me, LIMITS)).toThrow(/already exists/);
    expect(() => applyCommentOp(doc, OPS.create, me, { maxThreads: 1 })).toThrow(/MAX_THREADS_PER_ROOM/);
  });

  it('parses what the wire carries and names the bad field', () => {
    expect(parseCommentOp(JSON.stringify({ op: 'delete', threadId: 't-thread1', extra: 'dropped' }))).toEqual({ op: 'delete', threadId: 't-thread1' });
    expect(() => parseCommentOp(JSON.stringify({ op: 'reply', threadId: 't-thread1', commentId: 'c-reply01', body: 7 }))).toThrow('"body" must be a string');
    expect(() => parseCommentOp(JSON.stringify({ op: 'create', threadId: 't-thread1', commentId: 'c-first01', body: 'x', anchor, quote: { text: 'x'.repeat(2001), prefix: '', suffix: '' } }))).toThrow(
      '"quote.text" is 2001 characters; at most 2000',
    );
  });

  it('only editors decide a suggestion, once; deciding resolves the thread and keeps the suggested text', () => {
    const carla = actor('comment', 'carla');
    const doc = new Y.Doc();
    applyCommentOp(doc, { op: 'create', threadId: 't-suggest', commentId: 'c-suggest', anchor, quote, body: 'hm', suggestion: { text: 'terms' } }, carla, LIMITS);
    expect(threadsOf(doc)['t-suggest'].suggestion).toEqual({ text: 'terms', state: 'open', decidedBy: null, decidedAt: null });
    const before = Y.encodeStateVector(doc);
    for (const who of [carla, actor('view', 'vera')]) {
      for (const op of ['accept', 'reject'] as const) {
        expect(() => applyCommentOp(doc, { op, threadId: 't-suggest' }, who, LIMITS)).toThrow(expect.objectContaining({ code: 'forbidden' }));
      }
    }
    expect(Y.encodeStateVector(doc)).toEqual(before);
    const alice = actor('edit', 'alice');
    applyCommentOp(doc, { op: 'reject', threadId: 't-suggest' }, alice, LIMITS, 1234);
    expect(threadsOf(doc)['t-suggest']).toMatchObject({
      suggestion: { text: 'terms', state: 'rejected', decidedBy: { id: 'alice' }, decidedAt: 1234 },
      resolvedBy: { id: 'alice' },
      resolvedAt: 1234,
    });
    expect(() => applyCommentOp(doc, { op: 'accept', threadId: 't-suggest' }, alice, LIMITS)).toThrow(expect.objectContaining({ code: 'conflict' }));
    const plain = docWithThread(alice);
    expect(() => applyCommentOp(plain, { op: 'accept', threadId: 't-thread1' }, alice, LIMITS)).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(threadsOf(plain)['t-thread1']).not.toHaveProperty('suggestion');
  });
});
