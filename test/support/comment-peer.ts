/**
 * A hand-made comments client: a raw peer (raw-peer.ts) that connects with `?comments=1`,
 * applies every COMMENTS message to its own Y.Doc of threads, and sends COMMENT_OP frames,
 * each resolving with the server's answer. `sendRaw` sends any bytes (malformed frames).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { COMMENTS_PARAM, CommentsKind, THREADS_MAP, type CommentOpResult, type CommentThread } from '../../lib/protocol/comments';
import { MessageType } from '../../lib/protocol/sync-protocol';
import { decodeCommentResult } from '../../server/comments/wire';
import { openRawPeer, type RawPeer } from './raw-peer';
import { eventually } from './wait';

export interface CommentPeer extends RawPeer {
  /** The threads as the server has sent them. */
  comments: Y.Doc;
  /** Kinds of the COMMENTS messages received, in order (2 author, 0 snapshot, 1 update). */
  commentKinds: number[];
  /** The author id the server said this connection writes as (null before it did). */
  authorId(): string | null;
  threads(): Record<string, CommentThread>;
  /** Sends one operation (any JSON value) and resolves with its answer. */
  op(operation: unknown): Promise<CommentOpResult>;
  /** Sends `[102, requestId, varstring text]` with any text and resolves with its answer. */
  opText(text: string): Promise<CommentOpResult>;
  /** Resolves once the server's snapshot arrived. */
  snapshot(): Promise<void>;
}

/** Opens `${base}/${path}` with `?comments=1` (and `query`, e.g. `author=…`). */
export async function openCommentPeer(base: string, path: string, query: Record<string, string> = {}): Promise<CommentPeer> {
  const url = new URL(`${base}/${path}`);
  url.searchParams.set(COMMENTS_PARAM, '1');
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const raw = await openRawPeer(url.toString());
  const comments = new Y.Doc();
  const commentKinds: number[] = [];
  let authorId: string | null = null;
  const waiting = new Map<number, { resolve: (result: CommentOpResult) => void; reject: (error: Error) => void }>();
  let nextRequest = 1;
  const receive = (bytes: Uint8Array) => {
    if (bytes[0] === MessageType.COMMENTS) {
      const decoder = decoding.createDecoder(bytes);
      decoding.readVarUint(decoder);
      const kind = decoding.readVarUint(decoder);
      commentKinds.push(kind);
      const payload = decoding.readVarUint8Array(decoder);
      if (kind === CommentsKind.AUTHOR) authorId = new TextDecoder().decode(payload);
      else Y.applyUpdate(comments, payload);
    } else if (bytes[0] === MessageType.COMMENT_OP) {
      const { requestId, result } = decodeCommentResult(bytes);
      waiting.get(requestId)?.resolve(result);
      waiting.delete(requestId);
    }
  };
  // The snapshot may have come with the upgrade's answer, before this listener: the raw peer kept it.
  for (const frame of raw.frames) receive(frame);
  raw.socket.on('message', (data: Buffer) => receive(new Uint8Array(data)));
  raw.socket.once('close', (code) => {
    for (const [requestId, { reject }] of waiting) reject(new Error(`closed with ${code} before answering request ${requestId}`));
    waiting.clear();
  });
  const peer: CommentPeer = Object.assign(raw, {
    comments,
    commentKinds,
    authorId: () => authorId,
    threads: () => comments.getMap(THREADS_MAP).toJSON() as Record<string, CommentThread>,
    op: (operation: unknown) => peer.opText(JSON.stringify(operation)),
    opText(text: string) {
      const requestId = nextRequest++;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MessageType.COMMENT_OP);
      encoding.writeVarUint(encoder, requestId);
      encoding.writeVarString(encoder, text);
      return new Promise<CommentOpResult>((resolve, reject) => {
        waiting.set(requestId, { resolve, reject });
        raw.socket.send(encoding.toUint8Array(encoder));
      });
    },
    snapshot: () => eventually(() => commentKinds.includes(0), 'the comments snapshot'),
  });
  const destroy = raw.destroy;
  peer.destroy = () => {
    destroy();
    comments.destroy();
  };
  return peer;
}

/** A valid id for threads and comments (8 to 64 of A-Z, a-z, 0-9, _, -). */
export function commentId(label = 'c'): string {
  return `${label}-${Math.random().toString(36).slice(2, 12)}`;
}
