/**
 * The browser's side of comment threads on the document socket (README "Comment threads"): a
 * provider opened with `?comments=1` gets its COMMENTS messages applied to a local Y.Doc of
 * threads (never edited here) and sends operations as COMMENT_OP frames, each resolved with
 * the server's answer to its request id. A socket that closes first answers its waiting
 * operations with `unavailable` (the server may or may not have stored them; the threads
 * document tells which once it reconnects).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CommentsKind, THREADS_MAP, type CommentOp, type CommentOpResult, type CommentThread } from '../protocol/comments';
import { MessageType } from '../protocol/sync-protocol';

/** A thread as the page lists it: its id with the server's data. */
export type ThreadsById = Readonly<Record<string, CommentThread>>;

/** The answer to a closed socket's waiting operations. */
const CLOSED_BEFORE_ANSWER: CommentOpResult = { error: 'The connection closed before the server answered', code: 'unavailable' };

export class CommentsClient {
  /** The threads as the server sent them (replaced by each socket's snapshot). */
  private doc = new Y.Doc();
  private threads: ThreadsById = {};
  /** Whether the server has sent the threads (a snapshot) on the current or an earlier socket. */
  private received = false;
  /** The connection's author id as the server sent it (null until then). */
  private authorId: string | null = null;
  private nextRequest = 1;
  private readonly waiting = new Map<number, (result: CommentOpResult) => void>();
  private readonly listeners = new Set<() => void>();
  private readonly provider: WebsocketProvider;

  /** Takes over `provider`'s COMMENTS and COMMENT_OP messages (a provider opened with `?comments=1`). */
  constructor(provider: WebsocketProvider) {
    this.provider = provider;
    provider.messageHandlers[MessageType.COMMENTS] = (_encoder, decoder) => this.onComments(decoder);
    provider.messageHandlers[MessageType.COMMENT_OP] = (_encoder, decoder) => this.onAnswer(decoder);
    provider.on('connection-close', this.onClose);
  }

  /** The threads by id; the same object until they change (for useSyncExternalStore). */
  getThreads = (): ThreadsById => this.threads;

  /** Whose comments are this page's own, as the server said (null until it has). */
  getAuthorId = (): string | null => this.authorId;

  /** Whether any threads document has arrived (viewers get none unless the room allows it). */
  hasReceived = (): boolean => this.received;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Sends `operation`; resolves with the server's answer (never rejects). */
  send(operation: CommentOp): Promise<CommentOpResult> {
    const socket = this.provider.ws;
    if (!socket || !this.provider.wsconnected) {
      return Promise.resolve({ error: 'Not connected: try again once the document is back online', code: 'unavailable' });
    }
    const requestId = this.nextRequest++;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.COMMENT_OP);
    encoding.writeVarUint(encoder, requestId);
    encoding.writeVarString(encoder, JSON.stringify(operation));
    return new Promise((resolve) => {
      this.waiting.set(requestId, resolve);
      socket.send(encoding.toUint8Array(encoder));
    });
  }

  destroy(): void {
    this.provider.off('connection-close', this.onClose);
    delete this.provider.messageHandlers[MessageType.COMMENTS];
    delete this.provider.messageHandlers[MessageType.COMMENT_OP];
    this.onClose();
    this.listeners.clear();
    this.doc.destroy();
  }

  private onComments(decoder: decoding.Decoder): void {
    const kind = decoding.readVarUint(decoder);
    const update = decoding.readVarUint8Array(decoder);
    if (kind === CommentsKind.AUTHOR) {
      this.authorId = new TextDecoder().decode(update);
      for (const listener of this.listeners) listener();
      return;
    }
    if (kind === CommentsKind.SNAPSHOT) {
      // Each socket's snapshot is the whole document, from the server's own doc: start again
      // from it rather than merge it into what an earlier socket sent.
      this.doc.destroy();
      this.doc = new Y.Doc();
      Y.applyUpdate(this.doc, update);
      this.received = true;
    } else if (kind === CommentsKind.UPDATE) {
      Y.applyUpdate(this.doc, update);
    } else {
      // A kind from a newer server: nothing this page knows how to use.
      return;
    }
    this.threads = keepUnchanged(this.threads, this.doc.getMap(THREADS_MAP).toJSON() as ThreadsById);
    for (const listener of this.listeners) listener();
  }

  private onAnswer(decoder: decoding.Decoder): void {
    const requestId = decoding.readVarUint(decoder);
    const text = decoding.readVarString(decoder);
    const resolve = this.waiting.get(requestId);
    if (!resolve) return;
    this.waiting.delete(requestId);
    resolve(JSON.parse(text) as CommentOpResult);
  }

  private onClose = (): void => {
    for (const resolve of this.waiting.values()) resolve(CLOSED_BEFORE_ANSWER);
    this.waiting.clear();
  };
}

/**
 * `next`, with each thread that did not change kept as the same object as in `previous` (the
 * margin renders only the cards whose thread changed).
 */
export function keepUnchanged(previous: ThreadsById, next: ThreadsById): ThreadsById {
  const kept: Record<string, CommentThread> = {};
  for (const [id, thread] of Object.entries(next)) {
    const before = previous[id];
    kept[id] = before !== undefined && JSON.stringify(before) === JSON.stringify(thread) ? before : thread;
  }
  return kept;
}
