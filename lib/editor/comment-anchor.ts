/**
 * What a new thread says about the text it is on: its quote (the words, cut to the protocol's
 * limits, with a little context either side, from the document as this page has it) and its
 * anchor (Yjs relative positions of the selection's ends, base64, for the server to put the
 * `comment` mark between; README "Comment threads").
 */
import type { Editor } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { absolutePositionToRelativePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import { toBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import { MAX_QUOTE_CONTEXT_LENGTH, MAX_QUOTE_TEXT_LENGTH, type CommentAnchor, type CommentQuote } from '../protocol/comments';

/** What the composer holds for the thread it is about to create. */
export interface CommentTarget {
  from: number;
  to: number;
  quote: CommentQuote;
  anchor: CommentAnchor;
}

/** Block boundaries read as a line break in quotes, as they do on the page. */
const BLOCK_SEPARATOR = '\n';

/**
 * The quote of `from`…`to` in `doc`, with context either side. Its text is exactly what the
 * server finds between the anchor's ends (`textBetween` with '\n' between blocks), so it is
 * never cut: a longer selection is refused by commentTargetFor.
 */
export function quoteOf(doc: ProseMirrorNode, from: number, to: number): CommentQuote {
  // A position step holds at most one character, so twice the context length in positions is plenty.
  const reach = MAX_QUOTE_CONTEXT_LENGTH * 2;
  const before = doc.textBetween(Math.max(0, from - reach), from, BLOCK_SEPARATOR);
  const after = doc.textBetween(to, Math.min(doc.content.size, to + reach), BLOCK_SEPARATOR);
  return {
    text: doc.textBetween(from, to, BLOCK_SEPARATOR),
    prefix: before.slice(-MAX_QUOTE_CONTEXT_LENGTH),
    suffix: after.slice(0, MAX_QUOTE_CONTEXT_LENGTH),
  };
}

/** Why the selection cannot be commented on, as the page says it. */
export const NOTHING_SELECTED = 'Select some text to comment on.';
export const SELECTION_TOO_LONG = `Select at most ${MAX_QUOTE_TEXT_LENGTH.toLocaleString('en')} characters to comment on.`;

/** The thread target for the editor's selection, or why there is none. */
export function commentTargetFor(editor: Editor): CommentTarget | { refused: string } {
  const { from, to, empty } = editor.state.selection;
  if (empty) return { refused: NOTHING_SELECTED };
  const quote = quoteOf(editor.state.doc, from, to);
  if (quote.text.trim() === '') return { refused: NOTHING_SELECTED };
  if (quote.text.length > MAX_QUOTE_TEXT_LENGTH) return { refused: SELECTION_TOO_LONG };
  const sync = ySyncPluginKey.getState(editor.state) as
    | { type?: Y.XmlFragment; binding?: { mapping: Parameters<typeof absolutePositionToRelativePosition>[2] } }
    | undefined;
  if (!sync?.type || !sync.binding) return { refused: 'The document is still opening: try again in a moment.' };
  const encode = (pos: number) =>
    toBase64(Y.encodeRelativePosition(absolutePositionToRelativePosition(pos, sync.type!, sync.binding!.mapping) as Y.RelativePosition));
  return { from, to, quote, anchor: { from: encode(from), to: encode(to) } };
}
