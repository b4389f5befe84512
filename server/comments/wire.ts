/**
 * The COMMENTS and COMMENT_OP frames (lib/protocol/sync-protocol.ts, lib/protocol/comments.ts):
 * decoding a client's operation and encoding what the server sends. Pure functions.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as string from 'lib0/string';
import { MAX_COMMENT_OP_BYTES, type CommentOpResult } from '../../lib/protocol/comments';
import { MessageType } from '../../lib/protocol/sync-protocol';
import { ProtocolError } from '../protocol';

/** A decoded COMMENT_OP frame; `json` is null when its text is longer than MAX_COMMENT_OP_BYTES (left unread). */
export interface CommentOpMessage {
  kind: 'comment-op';
  requestId: number;
  json: string | null;
  /** Bytes of the JSON text as sent. */
  bytes: number;
}

/** Whether a frame's first varuint is COMMENT_OP (one byte: 102 < 128). */
export function isCommentOpFrame(frame: Uint8Array): boolean {
  return frame[0] === MessageType.COMMENT_OP;
}

/**
 * Decodes `[102, varuint requestId, varstring json]`; throws ProtocolError for a truncated
 * frame, a request id past 2^53, bytes after the text, or text that is not UTF-8 (no request
 * id to answer then, so the sender is closed).
 */
export function decodeCommentOp(frame: Uint8Array): CommentOpMessage {
  try {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MessageType.COMMENT_OP) throw new ProtocolError('not a comment operation');
    const requestId = decoding.readVarUint(decoder);
    if (!Number.isSafeInteger(requestId)) throw new ProtocolError('comment request id out of range');
    const text = decoding.readVarUint8Array(decoder);
    if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after comment operation');
    if (text.byteLength > MAX_COMMENT_OP_BYTES) return { kind: 'comment-op', requestId, json: null, bytes: text.byteLength };
    return { kind: 'comment-op', requestId, json: new TextDecoder('utf-8', { fatal: true }).decode(text), bytes: text.byteLength };
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`undecodable comment operation: ${(error as Error).message}`);
  }
}

/** The answer to request `requestId`. */
export function encodeCommentResult(requestId: number, result: CommentOpResult): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.COMMENT_OP);
  encoding.writeVarUint(encoder, requestId);
  encoding.writeVarString(encoder, JSON.stringify(result));
  return encoding.toUint8Array(encoder);
}

/** A COMMENTS message: `kind` (CommentsKind) and a Yjs update of the side document. */
export function encodeComments(kind: number, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.COMMENTS);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** Reads a COMMENT_OP answer (clients and tests). */
export function decodeCommentResult(frame: Uint8Array): { requestId: number; result: CommentOpResult } {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== MessageType.COMMENT_OP) throw new Error('not a comment answer');
  const requestId = decoding.readVarUint(decoder);
  return { requestId, result: JSON.parse(string.decodeUtf8(decoding.readVarUint8Array(decoder))) as CommentOpResult };
}
