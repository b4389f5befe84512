/**
 * Comment threads on the wire and in the side document, shared by the server (which alone
 * writes threads) and clients (which read them and send operations). A room's threads live in
 * a Y.Doc of their own that only the server changes; clients that connect with `?comments=1`
 * receive it as COMMENTS messages (apply each update to a local Y.Doc, never edit it) and
 * send COMMENT_OP messages, each answered with a CommentOpResult.
 *
 * Side document: `doc.getMap(THREADS_MAP)`: thread id → Y.Map with
 * `quote` {text, prefix, suffix}, `createdAt` (ms), `resolvedBy` (CommentAuthor | null),
 * `resolvedAt` (ms | null) and `comments`: Y.Array of Y.Map {id, author, createdAt, body,
 * editedAt (ms | null), deleted (bool; a deleted comment's body is '')}. The first comment is
 * the thread's own. A thread created with a suggestion also holds `suggestion` (ThreadSuggestion;
 * absent otherwise). `toJSON()` of the map gives `Record<string, CommentThread>`.
 *
 * Text anchor: the thread's text carries the ProseMirror mark `comment` with the single attr
 * `threadId`, `inclusive: false` (typing at its edges does not extend it) and `excludes: ''`
 * (threads may overlap, and the mark sits beside any other mark). Only the server writes it:
 * on `create` it resolves the op's `anchor`, checks the text there still equals `quote.text`,
 * and formats that text in the body fragment; deleting a whole thread removes it. Resolving and
 * reopening never touch the text; accepting a suggestion replaces the marked text with the
 * suggestion's, which keeps the mark. Since the mark type does not exclude itself, y-tiptap
 * (y-prosemirror 1.x) stores it on Y.XmlText as the attribute `commentMarkKey(threadId)` with
 * the value `commentMarkValue(threadId)`; each thread has its own key, so overlaps survive.
 * The client schema must let every textblock (`COMMENT_MARK_TEXTBLOCKS`) hold the mark, and
 * inline `code` must not exclude it: y-prosemirror deletes text whose marks its schema refuses.
 */
import * as buffer from 'lib0/buffer';
import * as sha256 from 'lib0/hash/sha256';

/** Query parameter (`?comments=1`) with which a client asks for COMMENTS and may send COMMENT_OP. */
export const COMMENTS_PARAM = 'comments';

/** The side document's map of threads by id. */
export const THREADS_MAP = 'threads';

/** Second varuint of a COMMENTS message. */
export const CommentsKind = {
  /** The whole side document, on join (apply to an empty doc). */
  SNAPSHOT: 0,
  /** One stored change, in the order stored. */
  UPDATE: 1,
  /**
   * The connection's own author id (UTF-8), on join before the snapshot: which comments are
   * "one's own" (a token's `sub`, or the hash of the author key; the page cannot always tell).
   */
  AUTHOR: 2,
} as const;

/** Longest comment body in UTF-8 bytes (10 KB). */
export const MAX_COMMENT_BODY_BYTES = 10 * 1024;
/** Longest suggested replacement text in UTF-8 bytes (as a body). */
export const MAX_SUGGESTION_BYTES = MAX_COMMENT_BODY_BYTES;
/** Longest quoted text, and context before / after it, in UTF-16 code units (the client cuts). */
export const MAX_QUOTE_TEXT_LENGTH = 2_000;
export const MAX_QUOTE_CONTEXT_LENGTH = 200;
/** Longest COMMENT_OP JSON text in bytes: read no further (a body plus its quote and ids). */
export const MAX_COMMENT_OP_BYTES = 32 * 1024;

/** Thread and comment ids, chosen by the client (so the text's mark can name the thread at once). */
export const COMMENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export interface CommentAuthor {
  /** The connection's author id (server/authors.ts), never sent by the client. */
  id: string;
  name: string;
  color: string;
}

/** The ProseMirror mark type that anchors a thread on the text. */
export const COMMENT_MARK_NAME = 'comment';

/**
 * Textblocks (Y.XmlElement node names) whose text may carry the comment mark in the client
 * schema; the server refuses an anchor over text anywhere else (`code: 'unanchorable'`).
 * `codeBlock` is configured to allow the mark (TipTap's default allows none).
 */
export const COMMENT_MARK_TEXTBLOCKS: readonly string[] = ['paragraph', 'heading', 'codeBlock'];

/** y-prosemirror's key for an overlapping mark: the first 6 bytes of its JSON's SHA-256, folded. */
function hashOfMarkJSON(json: unknown): string {
  const digest = sha256.digest(buffer.encodeAny(json));
  const N = 6;
  for (let i = N; i < digest.length; i++) digest[i % N] ^= digest[i];
  return buffer.toBase64(digest.slice(0, N));
}

/** The mark's attrs, as ProseMirror holds them (and y-tiptap stores them as the attribute value). */
export function commentMarkValue(threadId: string): { threadId: string } {
  return { threadId };
}

/**
 * The Y.XmlText format attribute y-tiptap writes for `{ type: 'comment', attrs: { threadId } }`:
 * `comment--<hash of that JSON>` (y-tiptap's marksToAttributes and hashOfJSON; key order matters).
 */
export function commentMarkKey(threadId: string): string {
  return `${COMMENT_MARK_NAME}--${hashOfMarkJSON({ type: COMMENT_MARK_NAME, attrs: commentMarkValue(threadId) })}`;
}

/**
 * Where a new thread's text is: base64 of `Y.encodeRelativePosition` of its start and end in the
 * body fragment, made with y-tiptap's `absolutePositionToRelativePosition(pos, fragment,
 * binding.mapping)` from the selection's `from` and `to`.
 */
export interface CommentAnchor {
  from: string;
  to: string;
}

export interface CommentQuote {
  /** The commented text as it was. */
  text: string;
  /** A little text before and after it, to find it again. */
  prefix: string;
  suffix: string;
}

export interface ThreadComment {
  id: string;
  author: CommentAuthor;
  createdAt: number;
  /** Plain text; links are recognised when shown, never HTML. */
  body: string;
  editedAt: number | null;
  deleted: boolean;
}

/**
 * A replacement proposed for a thread's quoted text (one line: no line breaks, like its quote;
 * '' deletes the text). Editors decide: `accepted` once the server replaced the text, `rejected`
 * otherwise; either resolves the thread.
 */
export interface ThreadSuggestion {
  text: string;
  state: 'open' | 'accepted' | 'rejected';
  decidedBy: CommentAuthor | null;
  decidedAt: number | null;
}

export interface CommentThread {
  quote: CommentQuote;
  /** Absent when the thread proposes no change. */
  suggestion?: ThreadSuggestion;
  createdAt: number;
  resolvedBy: CommentAuthor | null;
  resolvedAt: number | null;
  comments: ThreadComment[];
}

/** What a client may ask. Ids of new threads and comments are the client's (COMMENT_ID_PATTERN). */
export type CommentOp =
  | {
      op: 'create';
      threadId: string;
      commentId: string;
      anchor: CommentAnchor;
      quote: CommentQuote;
      body: string;
      /** A replacement for `quote.text` (see ThreadSuggestion). */
      suggestion?: { text: string };
    }
  | { op: 'reply'; threadId: string; commentId: string; body: string }
  | { op: 'resolve'; threadId: string }
  | { op: 'reopen'; threadId: string }
  | { op: 'edit'; threadId: string; commentId: string; body: string }
  /** With `commentId`: that comment (own only). Without: the whole thread (see README). */
  | { op: 'delete'; threadId: string; commentId?: string }
  /** Editors only: the server replaces the thread's text with its open suggestion, then resolves it. */
  | { op: 'accept'; threadId: string }
  /** Editors only: the suggestion is declined (the text is left alone) and the thread resolved. */
  | { op: 'reject'; threadId: string };

/** Why an operation was refused (the `code` of an error answer). */
export type CommentErrorCode =
  | 'invalid'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'thread_limit'
  | 'unavailable'
  /**
   * `create`: the text at the anchor is no longer `quote.text` (it changed under the selection).
   * `accept`: the thread's marked text is no longer its quote, so the suggestion is not applied.
   */
  | 'moved'
  /** `create`: the anchor covers text the comment mark cannot sit on (see COMMENT_MARK_TEXTBLOCKS). */
  | 'unanchorable';

/** The answer to one COMMENT_OP: `ok` once the change is stored, else why not. */
export type CommentOpResult = { ok: true } | { error: string; code: CommentErrorCode };
