/**
 * One room's comment threads: the server-written side document, stored under its own log
 * (`<room>#comments`: room ids never hold '#', so no client can open it), the connections
 * that receive it, and the operations they send. One operation at a time per room: it is
 * checked and applied (threads.ts), its change appended durably, and only then sent to the
 * room's subscribers, published to the other instances and answered `ok`. A change that could
 * not be stored is answered with an error and the document is read again from storage, so
 * nobody ever sees a thread that is not stored. Subscribers get the whole document when they
 * join; view connections only while the room lets viewers see comments.
 * A new thread's text is marked first (text-anchor.ts), through the room's own write path, and
 * the thread stored only once the mark is; deleting a whole thread then takes its mark off.
 */
import * as Y from 'yjs';
import { CommentsKind, MAX_COMMENT_OP_BYTES, type CommentAuthor, type CommentOpResult } from '../../lib/protocol/comments';
import type { Connection } from '../connection';
import type { Logger } from '../log';
import type { AuthorRecord } from '../storage/types';
import { TokenBucket } from '../rate-limiter';
import { commentLogName, type DocumentLog } from '../storage';
import { parseCommentOp } from './parse-op';
import { CommentRefused } from './refusal';
import { markAnchorUpdate, replaceMarkedTextUpdate, unmarkThreadUpdate } from './text-anchor';
import { applyCommentOp, openSuggestion, refuseCreate, type CommentActor } from './threads';
import { encodeCommentResult, encodeComments, type CommentOpMessage } from './wire';

/** The storage name of a room's comment log (storage keeps it: deleting a room removes it too). */
export { commentLogName };

/** Shown for an author who has no presence name yet. */
const UNNAMED = { name: 'Anonymous', color: '#6b7280' };

export interface RoomCommentsOptions {
  room: string;
  storage: DocumentLog;
  logger: Logger;
  /** MAX_THREADS_PER_ROOM. */
  maxThreads: number;
  /** COMMENT_OP_RATE_PER_SECOND / COMMENT_OP_BURST, per connection. */
  opRatePerSecond: number;
  opBurst: number;
  /** The name and colour a connection shows in its presence (the room's presence). */
  userOf: (connection: Connection) => { name: string; color: string } | null;
  /** Whether the room lets view connections see comments (its settings). */
  visibleToViewers: () => Promise<boolean>;
  text: CommentedText;
}

/** The room's document, where the comment marks are. */
export interface CommentedText {
  /** The live document once every change received so far is applied (an editor's last keys). */
  settled(): Promise<Y.Doc>;
  /** Writes a change the server made as the room writes its members' (Room.writeForServer). */
  write(update: Uint8Array, author: AuthorRecord): Promise<void>;
}

/** Receives each change this instance stored, before anyone is sent it (scale-out publishes it). */
export type CommentsStoredListener = (update: Uint8Array) => void;

interface Member {
  actor: CommentActor;
  bucket: TokenBucket;
  /** Receives COMMENTS (a view connection only when the room allows it). */
  subscribed: boolean;
}

export class RoomComments {
  private doc: Y.Doc | null = null;
  /** Operations, joins and remote changes, in order: one at a time. */
  private turn: Promise<void> = Promise.resolve();
  private readonly members = new Map<Connection, Member>();
  private readonly storedListeners = new Set<CommentsStoredListener>();
  private destroyed = false;

  constructor(private readonly options: RoomCommentsOptions) {}

  /** A connection that asked for comments joined: it gets the whole document (if it may see it). */
  join(connection: Connection): void {
    this.members.set(connection, {
      actor: { role: connection.role, author: { id: connection.author.id, ...UNNAMED }, createdHere: new Set() },
      bucket: new TokenBucket(this.options.opRatePerSecond, this.options.opBurst),
      subscribed: false,
    });
    // Viewers own no comments (and get no COMMENTS at all unless the room allows it).
    if (connection.role !== 'view') connection.send(encodeComments(CommentsKind.AUTHOR, new TextEncoder().encode(connection.author.id)));
    this.inTurn(async () => {
      const member = this.members.get(connection);
      if (!member) return;
      if (connection.role === 'view') return this.judgeViewers();
      const doc = await this.loaded();
      if (!this.members.has(connection)) return;
      member.subscribed = true;
      connection.send(encodeComments(CommentsKind.SNAPSHOT, Y.encodeStateAsUpdate(doc)));
    });
  }

  leave(connection: Connection): void {
    this.members.delete(connection);
  }

  /** Handles one COMMENT_OP: answered once stored (or refused, changing nothing). */
  handle(connection: Connection, message: CommentOpMessage): void {
    const member = this.members.get(connection);
    if (!member) return;
    const answer = (result: CommentOpResult) => connection.send(encodeCommentResult(message.requestId, result));
    if (!member.bucket.take()) {
      answer({ code: 'rate_limited', error: 'too many comment operations (COMMENT_OP_RATE_PER_SECOND); wait a moment and try again' });
      return;
    }
    if (message.json === null) {
      answer({ code: 'too_large', error: `the operation is ${message.bytes} bytes; at most ${MAX_COMMENT_OP_BYTES} are read` });
      return;
    }
    const json = message.json;
    this.inTurn(async () => {
      try {
        const op = parseCommentOp(json);
        const doc = await this.loaded();
        const user = connection.author.vouchedName ?? this.options.userOf(connection)?.name;
        const author: CommentAuthor = {
          id: connection.author.id,
          name: user ?? UNNAMED.name,
          color: connection.author.vouchedColor ?? this.options.userOf(connection)?.color ?? UNNAMED.color,
        };
        member.actor.author = author;
        const limits = { maxThreads: this.options.maxThreads };
        let marked = false;
        if (op.op === 'create') {
          refuseCreate(doc, op, member.actor, limits);
          await this.options.text.write(markAnchorUpdate(await this.options.text.settled(), op.anchor, op.quote.text, op.threadId), author);
          marked = true;
        }
        if (op.op === 'accept') {
          // The text first: a suggestion is accepted only once its replacement is stored.
          const { suggestion, quote } = openSuggestion(doc, op, member.actor);
          await this.options.text.write(replaceMarkedTextUpdate(await this.options.text.settled(), op.threadId, quote.text, suggestion.text), author);
        }
        try {
          const update = changeOf(doc, () => applyCommentOp(doc, op, member.actor, limits));
          if (update) await this.store(update);
        } catch (error) {
          if (marked && op.op === 'create') await this.unmark(op.threadId, author);
          throw error;
        }
        if (op.op === 'delete' && op.commentId === undefined) await this.unmark(op.threadId, author);
        answer({ ok: true });
      } catch (error) {
        if (error instanceof CommentRefused) return answer({ code: error.code, error: error.message });
        this.options.logger.error({ err: (error as Error).message }, 'storing a comment operation failed');
        answer({ code: 'unavailable', error: 'the comment could not be stored; try again' });
      }
    });
  }

  /** A change another instance stored: applied and sent to this instance's subscribers. */
  applyRemote(update: Uint8Array): void {
    this.inTurn(async () => {
      // Not loaded here: loading reads it from storage, where it already is.
      if (!this.doc) return;
      const change = changeOf(this.doc, () => Y.applyUpdate(this.doc!, update));
      if (!change) return;
      // The setting may have changed on another instance: viewers are judged before each change.
      await this.judgeViewers();
      this.forward(change);
    });
  }

  /** Reads what storage holds (what another instance stored but could not publish). */
  catchUp(): void {
    this.inTurn(async () => {
      if (!this.doc) return;
      const stored = await this.options.storage.load(commentLogName(this.options.room));
      const doc = this.doc;
      const change = changeOf(doc, () => Y.transact(doc, () => stored.updates.forEach((update) => Y.applyUpdate(doc, update))));
      if (change) this.forward(change);
    });
  }

  /** The room's viewer setting changed: its view connections start or stop receiving comments. */
  viewerSettingChanged(): void {
    this.inTurn(() => this.judgeViewers());
  }

  /** Calls `listener` with each change stored here, before it is sent. Returns the unsubscribe. */
  onStored(listener: CommentsStoredListener): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  /** Resolves once every operation received so far is answered. */
  settled(): Promise<void> {
    return this.turn;
  }

  destroy(): void {
    this.destroyed = true;
    this.members.clear();
    this.storedListeners.clear();
    this.doc?.destroy();
    this.doc = null;
  }

  /**
   * Takes thread `threadId`'s mark off the text. A mark left behind (storage failing) names a
   * thread that does not exist, which clients show as nothing; it is logged, not answered.
   */
  private async unmark(threadId: string, author: AuthorRecord): Promise<void> {
    try {
      const update = unmarkThreadUpdate(await this.options.text.settled(), threadId);
      if (update) await this.options.text.write(update, author);
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message, threadId }, 'taking a comment mark off the text failed; it names no thread');
    }
  }

  private async store(update: Uint8Array): Promise<void> {
    try {
      await this.options.storage.append(commentLogName(this.options.room), update);
    } catch (error) {
      // The doc holds a change storage does not: read it again, without the change.
      this.doc?.destroy();
      this.doc = null;
      throw error;
    }
    for (const listener of this.storedListeners) {
      try {
        listener(update);
      } catch (error) {
        this.options.logger.error({ err: (error as Error).message }, 'a stored-comments listener failed; forwarding anyway');
      }
    }
    await this.judgeViewers();
    this.forward(update);
  }

  /**
   * Subscribes the view connections while the room lets viewers see comments (each gets the
   * whole document) and unsubscribes them otherwise; if the setting cannot be read, they see
   * nothing.
   */
  private async judgeViewers(): Promise<void> {
    const viewers = [...this.members].filter(([connection]) => connection.role === 'view');
    if (viewers.length === 0) return;
    let visible = false;
    try {
      visible = await this.options.visibleToViewers();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'reading whether viewers see comments failed; they see none');
    }
    const doc = visible ? await this.loaded() : null;
    for (const [connection, member] of viewers) {
      if (!doc) member.subscribed = false;
      else if (!member.subscribed && this.members.has(connection)) {
        member.subscribed = true;
        connection.send(encodeComments(CommentsKind.SNAPSHOT, Y.encodeStateAsUpdate(doc)));
      }
    }
  }

  private forward(update: Uint8Array): void {
    const frame = encodeComments(CommentsKind.UPDATE, update);
    for (const [connection, member] of this.members) if (member.subscribed) connection.send(frame);
  }

  private async loaded(): Promise<Y.Doc> {
    if (this.doc) return this.doc;
    const stored = await this.options.storage.load(commentLogName(this.options.room));
    const doc = new Y.Doc();
    Y.transact(doc, () => stored.updates.forEach((update) => Y.applyUpdate(doc, update)));
    if (this.destroyed) {
      doc.destroy();
      throw new Error('the room was unloaded');
    }
    this.doc = doc;
    return doc;
  }

  private inTurn(task: () => Promise<void>): void {
    this.turn = this.turn.then(task).catch((error: Error) => {
      this.options.logger.error({ err: error.message }, 'comment task failed');
    });
  }
}

/** The update `change` makes to `doc` (null when it changes nothing). */
function changeOf(doc: Y.Doc, change: () => void): Uint8Array | null {
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array) => updates.push(update);
  doc.on('update', collect);
  try {
    change();
  } finally {
    doc.off('update', collect);
  }
  if (updates.length === 0) return null;
  return updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
}
