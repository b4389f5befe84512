/**
 * The rules of comment threads, applied to a room's side document (lib/protocol/comments.ts
 * describes its shape): who may do what, and the change each operation makes. Edit and
 * comment connections may create, reply, resolve and reopen; each author edits and deletes
 * only their own comments; editors may also delete any whole thread; view connections may do
 * nothing. The shared anonymous author (no author key, no token subject) owns only what it
 * wrote on the same connection, since every anonymous client has the same id.
 */
import * as Y from 'yjs';
import { THREADS_MAP, type CommentAuthor, type CommentOp, type CommentQuote, type ThreadSuggestion } from '../../lib/protocol/comments';
import type { Role } from '../auth';
import { ANONYMOUS_AUTHOR_ID } from '../authors';
import { CommentRefused } from './refusal';

/** Who asks: their role, who they are, and (for the anonymous author) what they wrote here. */
export interface CommentActor {
  role: Role;
  author: CommentAuthor;
  /** Comment ids this connection created (the anonymous author owns only these). */
  createdHere: Set<string>;
}

/** The side document's limits. */
export interface ThreadLimits {
  /** Threads one room may hold (MAX_THREADS_PER_ROOM). */
  maxThreads: number;
}

/**
 * Applies `op` for `actor` to `doc` in one transaction, or throws CommentRefused changing
 * nothing: every check runs before the first write.
 */
export function applyCommentOp(doc: Y.Doc, op: CommentOp, actor: CommentActor, limits: ThreadLimits, now = Date.now()): void {
  if (actor.role === 'view') throw new CommentRefused('forbidden', 'view links cannot comment');
  const threads = doc.getMap<Y.Map<unknown>>(THREADS_MAP);
  if (op.op === 'create') {
    refuseCreate(doc, op, actor, limits);
    doc.transact(() => {
      const thread = new Y.Map<unknown>();
      thread.set('quote', op.quote);
      thread.set('createdAt', now);
      thread.set('resolvedBy', null);
      thread.set('resolvedAt', null);
      if (op.suggestion) thread.set('suggestion', { text: op.suggestion.text, state: 'open', decidedBy: null, decidedAt: null } satisfies ThreadSuggestion);
      const comments = new Y.Array<Y.Map<unknown>>();
      comments.push([newComment(op.commentId, actor.author, op.body, now)]);
      thread.set('comments', comments);
      threads.set(op.threadId, thread);
    });
    actor.createdHere.add(op.commentId);
    return;
  }
  if (op.op === 'accept' || op.op === 'reject') {
    const { thread, suggestion } = openSuggestion(doc, op, actor);
    doc.transact(() => {
      thread.set('suggestion', { ...suggestion, state: op.op === 'accept' ? 'accepted' : 'rejected', decidedBy: actor.author, decidedAt: now } satisfies ThreadSuggestion);
      if (thread.get('resolvedAt') === null) {
        thread.set('resolvedBy', actor.author);
        thread.set('resolvedAt', now);
      }
    });
    return;
  }
  const thread = threads.get(op.threadId);
  if (!(thread instanceof Y.Map)) throw new CommentRefused('not_found', `no thread ${op.threadId}`);
  const comments = thread.get('comments') as Y.Array<Y.Map<unknown>>;
  switch (op.op) {
    case 'reply':
      if (comments.toArray().some((comment) => comment.get('id') === op.commentId)) {
        throw new CommentRefused('conflict', `comment ${op.commentId} already exists`);
      }
      comments.push([newComment(op.commentId, actor.author, op.body, now)]);
      actor.createdHere.add(op.commentId);
      return;
    case 'resolve':
      if (thread.get('resolvedAt') !== null) throw new CommentRefused('conflict', 'the thread is already resolved');
      doc.transact(() => {
        thread.set('resolvedBy', actor.author);
        thread.set('resolvedAt', now);
      });
      return;
    case 'reopen':
      if (thread.get('resolvedAt') === null) throw new CommentRefused('conflict', 'the thread is not resolved');
      doc.transact(() => {
        thread.set('resolvedBy', null);
        thread.set('resolvedAt', null);
      });
      return;
    case 'edit': {
      const comment = ownComment(comments, op.commentId, actor, 'edit');
      doc.transact(() => {
        comment.set('body', op.body);
        comment.set('editedAt', now);
      });
      return;
    }
    case 'delete': {
      if (op.commentId === undefined) {
        const all = comments.toArray();
        if (actor.role !== 'edit' && !all.every((comment) => owns(actor, comment))) {
          throw new CommentRefused('forbidden', 'only editors may delete a thread with others\u2019 comments in it');
        }
        threads.delete(op.threadId);
        return;
      }
      const comment = ownComment(comments, op.commentId, actor, 'delete');
      doc.transact(() => {
        comment.set('body', '');
        comment.set('deleted', true);
      });
      return;
    }
  }
}

/**
 * Throws CommentRefused if `op` may not create its thread in `doc` (checked before its text is
 * marked, so a refused thread leaves no mark).
 */
export function refuseCreate(doc: Y.Doc, op: Extract<CommentOp, { op: 'create' }>, actor: CommentActor, limits: ThreadLimits): void {
  if (actor.role === 'view') throw new CommentRefused('forbidden', 'view links cannot comment');
  const threads = doc.getMap<Y.Map<unknown>>(THREADS_MAP);
  if (threads.has(op.threadId)) throw new CommentRefused('conflict', `thread ${op.threadId} already exists`);
  if (threads.size >= limits.maxThreads) {
    throw new CommentRefused('thread_limit', `this document holds ${threads.size} threads, the most allowed (MAX_THREADS_PER_ROOM); delete some first`);
  }
}

/**
 * The thread `op` decides and its open suggestion, with the quote it replaces; refused unless
 * `actor` is an editor and the suggestion is still open (checked before an accept touches the text).
 */
export function openSuggestion(
  doc: Y.Doc,
  op: Extract<CommentOp, { op: 'accept' | 'reject' }>,
  actor: CommentActor,
): { thread: Y.Map<unknown>; suggestion: ThreadSuggestion; quote: CommentQuote } {
  if (actor.role !== 'edit') throw new CommentRefused('forbidden', `only editors may ${op.op} a suggestion`);
  const thread = doc.getMap<Y.Map<unknown>>(THREADS_MAP).get(op.threadId);
  if (!(thread instanceof Y.Map)) throw new CommentRefused('not_found', `no thread ${op.threadId}`);
  const suggestion = thread.get('suggestion') as ThreadSuggestion | undefined;
  if (!suggestion) throw new CommentRefused('not_found', `thread ${op.threadId} suggests no change`);
  if (suggestion.state !== 'open') throw new CommentRefused('conflict', `the suggestion was already ${suggestion.state}`);
  return { thread, suggestion, quote: thread.get('quote') as CommentQuote };
}

function newComment(id: string, author: CommentAuthor, body: string, now: number): Y.Map<unknown> {
  return new Y.Map<unknown>([
    ['id', id],
    ['author', author],
    ['createdAt', now],
    ['body', body],
    ['editedAt', null],
    ['deleted', false],
  ]);
}

/** The live comment `id` when `actor` owns it; refused otherwise (editors included). */
function ownComment(comments: Y.Array<Y.Map<unknown>>, id: string, actor: CommentActor, verb: string): Y.Map<unknown> {
  const comment = comments.toArray().find((candidate) => candidate.get('id') === id);
  if (!comment || comment.get('deleted') === true) throw new CommentRefused('not_found', `no comment ${id} in this thread`);
  if (!owns(actor, comment)) throw new CommentRefused('forbidden', `you may ${verb} only your own comments`);
  return comment;
}

function owns(actor: CommentActor, comment: Y.Map<unknown>): boolean {
  const authorId = (comment.get('author') as CommentAuthor).id;
  if (authorId !== actor.author.id) return false;
  return authorId !== ANONYMOUS_AUTHOR_ID || actor.createdHere.has(comment.get('id') as string);
}
