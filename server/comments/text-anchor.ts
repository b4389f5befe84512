/**
 * The comment mark on the document's text, as the server writes it: the change that marks a new
 * thread's anchor (after checking the text there is still the quoted text and can hold the
 * mark), the change that replaces a thread's marked text with an accepted suggestion (after
 * checking it is still the quote) and the change that removes a deleted thread's mark. Each change is built on a scratch
 * copy of the live document under a client id it has never seen, so the live document is not
 * touched: the caller writes the update through the room's normal path (stored, then sent).
 *
 * Positions resolve as Yjs says (`Y.createAbsolutePositionFromRelativePosition`): inside a
 * Y.XmlText a character offset, elsewhere a child index. The covered text is compared with
 * `quote.text` as ProseMirror's `doc.textBetween(from, to, '\n')` gives it: the text of every
 * textblock met, joined with '\n' (inline nodes such as hard breaks and images add nothing),
 * separators at either end ignored (a selection from the end of a paragraph starts with one).
 */
import * as Y from 'yjs';
import {
  COMMENT_MARK_TEXTBLOCKS,
  commentMarkKey,
  commentMarkValue,
  type CommentAnchor,
} from '../../lib/protocol/comments';
import { CONTENT_FRAGMENT_NAME } from '../../lib/protocol/document-schema';
import { unusedClientId } from '../history/restore';
import { CommentRefused } from './refusal';

const TEXTBLOCKS = new Set(COMMENT_MARK_TEXTBLOCKS);

/** One stretch of one Y.XmlText the mark covers. */
interface Span {
  text: Y.XmlText;
  index: number;
  length: number;
}

/**
 * The update that marks `quote`'s text at `anchor` with thread `threadId`'s comment mark, to be
 * written over `live`; refused ('invalid', 'moved', 'unanchorable') when it cannot be.
 */
export function markAnchorUpdate(live: Y.Doc, anchor: CommentAnchor, quote: string, threadId: string): Uint8Array {
  return onScratchCopy(live, (doc) => {
    const spans = anchoredSpans(doc, anchor, quote);
    const key = commentMarkKey(threadId);
    const value = commentMarkValue(threadId);
    for (const span of spans) span.text.format(span.index, span.length, { [key]: value });
  })!;
}

/** The update that takes thread `threadId`'s mark off all text over `live`; null if none carries it. */
export function unmarkThreadUpdate(live: Y.Doc, threadId: string): Uint8Array | null {
  const key = commentMarkKey(threadId);
  return onScratchCopy(live, (doc) => {
    for (const text of textsOf(doc.getXmlFragment(CONTENT_FRAGMENT_NAME))) {
      let index = 0;
      const marked: Span[] = [];
      for (const run of text.toDelta() as Array<{ insert: string | object; attributes?: Record<string, unknown> }>) {
        const length = typeof run.insert === 'string' ? run.insert.length : 1;
        if (run.attributes?.[key] !== undefined) marked.push({ text, index, length });
        index += length;
      }
      for (const span of marked) text.format(span.index, span.length, { [key]: null });
    }
  });
}

/**
 * The update that replaces the text under thread `threadId`'s mark with `replacement` over
 * `live`, as one change: the replacement takes the formatting of the text's first character
 * (the thread's mark, others' marks, bold…), so the thread stays anchored unless `replacement`
 * is '' (a deletion). Refused 'moved' unless the marked text is one unbroken stretch of one
 * Y.XmlText that reads exactly `quote`: otherwise someone edited it since the suggestion.
 */
export function replaceMarkedTextUpdate(live: Y.Doc, threadId: string, quote: string, replacement: string): Uint8Array {
  const key = commentMarkKey(threadId);
  const moved = () => new CommentRefused('moved', 'the text changed since the suggestion; edit it by hand');
  return onScratchCopy(live, (doc) => {
    let found: { text: Y.XmlText; start: number; end: number; attributes: Record<string, unknown> } | null = null;
    for (const text of textsOf(doc.getXmlFragment(CONTENT_FRAGMENT_NAME))) {
      let index = 0;
      for (const run of text.toDelta() as Array<{ insert: string | object; attributes?: Record<string, unknown> }>) {
        const length = typeof run.insert === 'string' ? run.insert.length : 1;
        if (run.attributes?.[key] !== undefined) {
          if (!found) found = { text, start: index, end: index + length, attributes: run.attributes };
          else if (found.text !== text || found.end !== index) throw moved();
          else found.end = index + length;
        }
        index += length;
      }
    }
    if (!found || plainText(found.text).slice(found.start, found.end) !== quote) throw moved();
    if (replacement !== '') found.text.insert(found.start, replacement, { ...found.attributes });
    found.text.delete(found.start + replacement.length, found.end - found.start);
  })!;
}

/** The update `change` makes to a copy of `live` written as a fresh client (null: no change). */
function onScratchCopy(live: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array | null {
  const state = Y.encodeStateAsUpdate(live);
  const doc = new Y.Doc();
  doc.clientID = unusedClientId(state);
  Y.applyUpdate(doc, state);
  let update: Uint8Array | null = null;
  doc.on('update', (made: Uint8Array) => {
    update = update ? Y.mergeUpdates([update, made]) : made;
  });
  try {
    doc.transact(() => change(doc));
    return update;
  } finally {
    doc.destroy();
  }
}

/** Text, in document order, and where each textblock starts among it. */
type Slot = { kind: 'text'; text: Y.XmlText } | { kind: 'block' };

/** The stretches of text between `anchor`'s positions in `doc`'s body, checked against `quote`. */
function anchoredSpans(doc: Y.Doc, anchor: CommentAnchor, quote: string): Span[] {
  const fragment = doc.getXmlFragment(CONTENT_FRAGMENT_NAME);
  const slots: Slot[] = [];
  /** Index into `slots` where each type's content starts and ends. */
  const starts = new Map<object, number>();
  const ends = new Map<object, number>();
  const walk = (type: Y.XmlFragment | Y.XmlElement) => {
    for (const child of type.toArray()) {
      starts.set(child, slots.length);
      if (child instanceof Y.XmlText) slots.push({ kind: 'text', text: child });
      else if (child instanceof Y.XmlElement) {
        if (TEXTBLOCKS.has(child.nodeName)) slots.push({ kind: 'block' });
        walk(child);
      }
      ends.set(child, slots.length);
    }
  };
  starts.set(fragment, 0);
  walk(fragment);
  ends.set(fragment, slots.length);

  const point = (name: 'from' | 'to'): { slot: number; offset: number } => {
    let relative: Y.RelativePosition;
    try {
      relative = Y.decodeRelativePosition(Buffer.from(anchor[name], 'base64'));
    } catch {
      throw new CommentRefused('invalid', `"anchor.${name}" is not an encoded Yjs relative position`);
    }
    const absolute = Y.createAbsolutePositionFromRelativePosition(relative, doc);
    if (absolute === null) throw new CommentRefused('moved', `"anchor.${name}" points at text this document does not hold; select the text again`);
    const type = absolute.type;
    if (type !== fragment && (type._item === null || !Y.isParentOf(fragment, type._item))) {
      throw new CommentRefused('invalid', `"anchor.${name}" is not in the document body`);
    }
    if (!starts.has(type)) throw new CommentRefused('moved', `the text at "anchor.${name}" was deleted; select the text again`);
    if (type instanceof Y.XmlText) return { slot: starts.get(type)!, offset: absolute.index };
    const container = type as Y.XmlFragment | Y.XmlElement;
    const children = container.toArray();
    const slot = absolute.index < children.length ? starts.get(children[absolute.index])! : ends.get(container)!;
    return { slot, offset: 0 };
  };
  const from = point('from');
  const to = point('to');

  const spans: Span[] = [];
  let covered = '';
  let blocks = 0;
  for (let slot = from.slot; slot <= to.slot && slot < slots.length; slot++) {
    const entry = slots[slot];
    if (entry.kind === 'block') {
      if (slot === to.slot) break;
      if (blocks++ > 0) covered += '\n';
      continue;
    }
    const start = slot === from.slot ? from.offset : 0;
    const end = slot === to.slot ? to.offset : entry.text.length;
    if (end <= start) continue;
    const parent = entry.text.parent;
    if (!(parent instanceof Y.XmlElement) || !TEXTBLOCKS.has(parent.nodeName)) {
      const where = parent instanceof Y.XmlElement ? `a ${parent.nodeName}` : 'the document root';
      throw new CommentRefused('unanchorable', `the selection holds text in ${where}, where a comment cannot be attached`);
    }
    if (blocks === 0) blocks = 1;
    covered += plainText(entry.text).slice(start, end);
    spans.push({ text: entry.text, index: start, length: end - start });
  }
  if (spans.length === 0) throw new CommentRefused('moved', 'no text lies between the anchor\u2019s positions any more; select the text again');
  if (trimSeparators(covered) !== trimSeparators(quote)) {
    throw new CommentRefused('moved', 'the selected text changed before the comment arrived; select it again');
  }
  return spans;
}

/** The characters of a Y.XmlText (embeds count one character each, as in its length). */
function plainText(text: Y.XmlText): string {
  let out = '';
  for (const run of text.toDelta() as Array<{ insert: string | object }>) {
    out += typeof run.insert === 'string' ? run.insert : '\ufffc';
  }
  return out;
}

function trimSeparators(text: string): string {
  return text.replace(/^\n+|\n+$/g, '');
}

/** Every Y.XmlText under `type`, in document order. */
function textsOf(type: Y.XmlFragment | Y.XmlElement): Y.XmlText[] {
  const texts: Y.XmlText[] = [];
  for (const child of type.toArray()) {
    if (child instanceof Y.XmlText) texts.push(child);
    else if (child instanceof Y.XmlElement) texts.push(...textsOf(child));
  }
  return texts;
}
