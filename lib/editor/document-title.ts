/**
 * The document title: a Y.Text in the document's Y.Doc (`doc.getText('title')`), edited through
 * a plain input. Typing becomes the smallest splice of the shared text, so two people editing
 * the title at once merge character by character, and a remote splice moves the local caret
 * the way the text moved. Pure functions; the React binding is components/DocumentTitle.tsx.
 */
import type * as Y from 'yjs';
/** Shown (and used in the tab and the recent list) while a document has no title. */
export const UNTITLED_DOCUMENT = 'Untitled document';
/** Longest title the input accepts, in UTF-16 code units like the input's maxLength. */
export const MAX_TITLE_LENGTH = 200;

/** One splice: at `index`, remove `deleteCount` code units, then insert `insert`. */
export interface TextSplice {
  index: number;
  deleteCount: number;
  insert: string;
}

/** One op of a Y.Text change (`YTextEvent.delta`). */
export type TextDeltaOp = { retain: number } | { insert: string | object } | { delete: number };

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The smallest single splice turning `before` into `after` (common prefix and suffix kept),
 * never cutting a surrogate pair in half; null when they are equal.
 */
export function spliceBetween(before: string, after: string): TextSplice | null {
  if (before === after) return null;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  // Do not split an emoji: back up to the start of a pair whose second half differs.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (
    suffix < shorter - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  return {
    index: prefix,
    deleteCount: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix),
  };
}

/** A local splice carried over remote changes made since its base text: where it now applies. */
export interface RebasedSplice {
  /** Ranges of the current text to delete: what remains of the characters the splice removed. */
  deletions: [from: number, to: number][];
  /** Where the splice's text goes in the current text (every deletion lies at or after it). */
  index: number;
  insert: string;
}

/**
 * `splice`, made against a text that has since received `remoteDeltas` (in order), moved onto
 * the current text: it deletes only those of its characters still there, keeps text others
 * inserted inside its range, and inserts where its text was typed. Used for an edit held back
 * while an input method composed it.
 */
export function rebaseSplice(splice: TextSplice, remoteDeltas: readonly (readonly TextDeltaOp[])[]): RebasedSplice {
  let deletions: [number, number][] = splice.deleteCount > 0 ? [[splice.index, splice.index + splice.deleteCount]] : [];
  let index = splice.index;
  for (const delta of remoteDeltas) {
    deletions = deletions.flatMap(([from, to]) => survivingRanges(from, to, delta));
    index = mapPositionThroughDelta(index, delta);
  }
  return { deletions, index, insert: splice.insert };
}

/** Where the characters old [from, to) are after `delta`, as ranges of the new text. */
function survivingRanges(from: number, to: number, delta: readonly TextDeltaOp[]): [number, number][] {
  const ranges: [number, number][] = [];
  let oldIndex = 0;
  let newIndex = 0;
  const keep = (length: number) => {
    const start = Math.max(from, oldIndex);
    const end = Math.min(to, oldIndex + length);
    if (start < end) {
      const last = ranges[ranges.length - 1];
      const newStart = newIndex + (start - oldIndex);
      if (last && last[1] === newStart) last[1] = newStart + (end - start);
      else ranges.push([newStart, newStart + (end - start)]);
    }
    oldIndex += length;
    newIndex += length;
  };
  for (const op of delta) {
    if ('retain' in op) keep(op.retain);
    else if ('insert' in op) newIndex += typeof op.insert === 'string' ? op.insert.length : 1;
    else oldIndex += op.delete;
  }
  // Everything after the delta's last op is kept as it was.
  keep(Math.max(0, to - oldIndex));
  return ranges;
}

/** Applies a rebased splice to the shared title in one transaction tagged with `origin`. */
export function applyRebasedSplice(title: Y.Text, rebased: RebasedSplice, origin: unknown): void {
  if (rebased.deletions.length === 0 && !rebased.insert) return;
  title.doc?.transact(() => {
    // Right to left, so earlier ranges keep their positions.
    for (const [from, to] of [...rebased.deletions].reverse()) title.delete(from, to - from);
    if (rebased.insert) title.insert(rebased.index, rebased.insert);
  }, origin);
}

/** A title as typed: one line (pasted line breaks become spaces), bounded in length. */
export function normalizeTitleInput(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, MAX_TITLE_LENGTH);
}

/**
 * Makes the shared title read `value` with the smallest edit, in one transaction tagged with
 * `origin` (so the binding can tell its own changes from remote ones).
 */
export function applyTitleValue(title: Y.Text, value: string, origin: unknown): void {
  const splice = spliceBetween(title.toString(), value);
  if (!splice) return;
  title.doc?.transact(() => {
    if (splice.deleteCount > 0) title.delete(splice.index, splice.deleteCount);
    if (splice.insert) title.insert(splice.index, splice.insert);
  }, origin);
}

/**
 * Where a caret at `position` ends up after a remote change: text inserted or deleted before
 * it moves it; text inserted exactly at it goes after it (the caret stays where you left it).
 */
export function mapPositionThroughDelta(position: number, delta: readonly TextDeltaOp[]): number {
  let oldIndex = 0;
  let mapped = position;
  for (const op of delta) {
    if ('retain' in op) {
      oldIndex += op.retain;
    } else if ('insert' in op) {
      if (oldIndex < position) mapped += typeof op.insert === 'string' ? op.insert.length : 1;
    } else if ('delete' in op) {
      if (oldIndex < position) mapped -= Math.min(op.delete, position - oldIndex);
      oldIndex += op.delete;
    }
  }
  return mapped;
}

/** The title to show where a document is named: its title, or "Untitled document". */
export function displayTitle(title: string | undefined | null): string {
  const trimmed = title?.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed : UNTITLED_DOCUMENT;
}

/** The browser tab's title for a document. */
export function tabTitleFor(title: string | undefined | null): string {
  return `${displayTitle(title)} — Tandem`;
}
