/**
 * Reads the JSON of one COMMENT_OP into a typed CommentOp, or refuses it (CommentRefused
 * 'invalid' / 'too_large') naming the field. Nothing the client sends beyond the fields an
 * operation takes is kept; authors and times are the server's.
 */
import {
  COMMENT_ID_PATTERN,
  MAX_COMMENT_BODY_BYTES,
  MAX_QUOTE_CONTEXT_LENGTH,
  MAX_QUOTE_TEXT_LENGTH,
  MAX_SUGGESTION_BYTES,
  type CommentAnchor,
  type CommentOp,
  type CommentQuote,
} from '../../lib/protocol/comments';
import { CommentRefused } from './refusal';

const OPS = new Set<CommentOp['op']>(['create', 'reply', 'resolve', 'reopen', 'edit', 'delete', 'accept', 'reject']);

/** Parses and checks one operation's JSON text. */
export function parseCommentOp(json: string): CommentOp {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CommentRefused('invalid', 'the operation is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CommentRefused('invalid', 'the operation must be a JSON object');
  const fields = value as Record<string, unknown>;
  const op = fields.op;
  if (typeof op !== 'string' || !OPS.has(op as CommentOp['op'])) {
    throw new CommentRefused('invalid', `unknown operation ${JSON.stringify(op)}: expected one of ${[...OPS].join(', ')}`);
  }
  const threadId = id(fields, 'threadId');
  switch (op as CommentOp['op']) {
    case 'create': {
      const create: CommentOp = { op: 'create', threadId, commentId: id(fields, 'commentId'), anchor: anchor(fields.anchor), quote: quote(fields.quote), body: body(fields) };
      if (fields.suggestion !== undefined) create.suggestion = suggestion(fields.suggestion, create.quote.text);
      return create;
    }
    case 'reply':
      return { op: 'reply', threadId, commentId: id(fields, 'commentId'), body: body(fields) };
    case 'edit':
      return { op: 'edit', threadId, commentId: id(fields, 'commentId'), body: body(fields) };
    case 'resolve':
      return { op: 'resolve', threadId };
    case 'reopen':
      return { op: 'reopen', threadId };
    case 'accept':
      return { op: 'accept', threadId };
    case 'reject':
      return { op: 'reject', threadId };
    case 'delete':
      return fields.commentId === undefined ? { op: 'delete', threadId } : { op: 'delete', threadId, commentId: id(fields, 'commentId') };
  }
}

function id(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || !COMMENT_ID_PATTERN.test(value)) {
    throw new CommentRefused('invalid', `"${name}" must be 8 to 64 characters of A-Z, a-z, 0-9, _ and -`);
  }
  return value;
}

/** Plain text, not empty, at most MAX_COMMENT_BODY_BYTES in UTF-8. */
function body(fields: Record<string, unknown>): string {
  const value = fields.body;
  if (typeof value !== 'string') throw new CommentRefused('invalid', '"body" must be a string');
  if (value.trim() === '') throw new CommentRefused('invalid', '"body" must not be empty');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_COMMENT_BODY_BYTES) {
    throw new CommentRefused('too_large', `"body" is ${bytes} bytes; at most ${MAX_COMMENT_BODY_BYTES} (UTF-8) are allowed`);
  }
  return value;
}

function quote(value: unknown): CommentQuote {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CommentRefused('invalid', '"quote" must be an object {text, prefix, suffix}');
  }
  const { text, prefix, suffix } = value as Record<string, unknown>;
  const part = (name: string, part: unknown, max: number): string => {
    if (typeof part !== 'string') throw new CommentRefused('invalid', `"quote.${name}" must be a string`);
    if (part.length > max) throw new CommentRefused('too_large', `"quote.${name}" is ${part.length} characters; at most ${max}`);
    return part;
  };
  const quoted = { text: part('text', text, MAX_QUOTE_TEXT_LENGTH), prefix: part('prefix', prefix, MAX_QUOTE_CONTEXT_LENGTH), suffix: part('suffix', suffix, MAX_QUOTE_CONTEXT_LENGTH) };
  if (quoted.text === '') throw new CommentRefused('invalid', '"quote.text" must not be empty');
  return quoted;
}

/**
 * A replacement for `quoted`: one line, as its quote must be (accepting replaces text inside one
 * textblock, never paragraph breaks), different from it, at most MAX_SUGGESTION_BYTES.
 */
function suggestion(value: unknown, quoted: string): { text: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CommentRefused('invalid', '"suggestion" must be an object {text}');
  const { text } = value as Record<string, unknown>;
  if (typeof text !== 'string') throw new CommentRefused('invalid', '"suggestion.text" must be a string (empty to suggest deleting the text)');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SUGGESTION_BYTES) {
    throw new CommentRefused('too_large', `"suggestion.text" is ${bytes} bytes; at most ${MAX_SUGGESTION_BYTES} (UTF-8) are allowed`);
  }
  if (/[\r\n]/.test(text)) throw new CommentRefused('invalid', '"suggestion.text" must be one line: a suggestion replaces text within one paragraph');
  if (/\n/.test(quoted)) throw new CommentRefused('invalid', 'a suggestion replaces text within one paragraph; this quote spans several');
  if (text === quoted) throw new CommentRefused('invalid', '"suggestion.text" is the quoted text itself: suggest a different text');
  return { text };
}

/** Longest base64 of one encoded relative position: a client id, a clock and a type name fit easily. */
const MAX_RELATIVE_POSITION_BASE64 = 512;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Two base64 strings; whether they decode to positions in this document is the anchoring's check. */
function anchor(value: unknown): CommentAnchor {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CommentRefused('invalid', '"anchor" must be an object {from, to} of base64 relative positions');
  }
  const { from, to } = value as Record<string, unknown>;
  const position = (name: string, part: unknown): string => {
    if (typeof part !== 'string' || part.length > MAX_RELATIVE_POSITION_BASE64 || !BASE64.test(part)) {
      throw new CommentRefused('invalid', `"anchor.${name}" must be base64 of Y.encodeRelativePosition (at most ${MAX_RELATIVE_POSITION_BASE64} characters)`);
    }
    return part;
  };
  return { from: position('from', from), to: position('to', to) };
}
