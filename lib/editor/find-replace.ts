/**
 * Find and replace inside the document: the matches of a query (match case, whole word; a match
 * never crosses a block but does cross marks), kept in a ProseMirror plugin's state and drawn as
 * decorations, the current one distinct. After each change only the textblocks the change
 * touched are searched again (the rest of the matches are shifted), so the matches follow other
 * people's typing cheaply on long documents. Replace all is one transaction: one undo step.
 * The find bar (components/FindBar.tsx) drives it with the commands below.
 */
import { Extension } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import { Mapping, StepMap } from '@tiptap/pm/transform';
import { changedRange, type ChangedRange } from './comment-mark';

/** What is searched for. */
export interface SearchQuery {
  text: string;
  caseSensitive: boolean;
  wholeWord: boolean;
}

/** One match: document positions of its first character and just after its last. */
export interface SearchMatch {
  from: number;
  to: number;
}

/** The plugin's state: the query, its matches in document order and which one is current. */
export interface FindState {
  query: SearchQuery;
  matches: readonly SearchMatch[];
  /** Index into `matches`, or -1 when there are none. */
  current: number;
  /** Every match's highlight (the current one's is added by findDecorations). */
  decorations: DecorationSet;
}

/** Class of every match's highlight; the current one also has FIND_CURRENT_CLASS. */
export const FIND_MATCH_CLASS = 'find-match';
export const FIND_CURRENT_CLASS = 'find-match-current';

export const EMPTY_QUERY: SearchQuery = { text: '', caseSensitive: false, wholeWord: false };

/** Letters, digits, marks and underscore: what a whole word may not touch on either side. */
const WORD_CHARACTER = '[\\p{L}\\p{N}\\p{M}_]';

/** The query as a global regular expression (null for an empty query). */
export function searchPattern(query: SearchQuery): RegExp | null {
  if (!query.text) return null;
  const literal = query.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = query.wholeWord ? `(?<!${WORD_CHARACTER})${literal}(?!${WORD_CHARACTER})` : literal;
  return new RegExp(body, query.caseSensitive ? 'gu' : 'giu');
}

/**
 * A textblock's text with one character per document position: text as it is, every other
 * inline node (a hard break, an image) as U+FFFC, so a string index plus the content's start
 * is a document position and no match runs across an inline node.
 */
function textblockText(node: ProseMirrorNode): string {
  let text = '';
  node.forEach((child) => {
    text += child.isText ? child.text! : '\uFFFC'.repeat(child.nodeSize);
  });
  return text;
}

/** The matches of `pattern` in the textblocks whose content overlaps from…to (whole blocks). */
function matchesBetween(doc: ProseMirrorNode, pattern: RegExp, from: number, to: number): SearchMatch[] {
  const matches: SearchMatch[] = [];
  doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isTextblock) return true;
    const start = pos + 1;
    const text = textblockText(node);
    pattern.lastIndex = 0;
    for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
      matches.push({ from: start + found.index, to: start + found.index + found[0].length });
    }
    return false;
  });
  return matches;
}

/** Every match of `query` in `doc`, in document order. */
export function findMatches(doc: ProseMirrorNode, query: SearchQuery): SearchMatch[] {
  const pattern = searchPattern(query);
  return pattern ? matchesBetween(doc, pattern, 0, doc.content.size) : [];
}

/** Where a position lies, widened to the whole textblock when it is inside one. */
function textblockBounds(doc: ProseMirrorNode, pos: number): { start: number; end: number } {
  const $pos = doc.resolve(pos);
  return $pos.parent.isTextblock ? { start: $pos.start(), end: $pos.end() } : { start: pos, end: pos };
}

/** What a change did to the matches: the new list, and the part of `after` searched again. */
interface MatchUpdate {
  matches: SearchMatch[];
  /** Where `before` and `after` differ (null: nowhere). */
  change: ChangedRange | null;
  /** The textblocks searched again, in `after`: every match in it is new. */
  start: number;
  end: number;
}

function rescanChange(before: ProseMirrorNode, after: ProseMirrorNode, matches: readonly SearchMatch[], pattern: RegExp): MatchUpdate {
  const change = changedRange(before, after);
  if (!change) return { matches: matches.slice(), change, start: 0, end: 0 };
  const delta = change.toAfter - change.toBefore;
  const start = textblockBounds(after, change.from).start;
  const end = textblockBounds(after, change.toAfter).end;
  // Positions before the change are the same in both documents; after it, shifted by delta.
  const endBefore = end - delta;
  const kept = matches.filter((match) => match.to <= start);
  const rescanned = matchesBetween(after, pattern, start, end);
  const shifted = matches.filter((match) => match.from >= endBefore).map((match) => ({ from: match.from + delta, to: match.to + delta }));
  return { matches: [...kept, ...rescanned, ...shifted], change, start, end };
}

/**
 * The matches of `query` in `after`, given `matches` (its matches in `before`): only the
 * textblocks the change between the two touched are searched again. Always equal to
 * findMatches(after, query).
 */
export function updateMatches(
  before: ProseMirrorNode,
  after: ProseMirrorNode,
  matches: readonly SearchMatch[],
  query: SearchQuery,
): SearchMatch[] {
  const pattern = searchPattern(query);
  return pattern ? rescanChange(before, after, matches, pattern).matches : [];
}

/** Index of the first match starting at or after `pos`, wrapping round to the first (-1: none). */
export function matchAtOrAfter(matches: readonly SearchMatch[], pos: number): number {
  if (matches.length === 0) return -1;
  let low = 0;
  let high = matches.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (matches[middle].from < pos) low = middle + 1;
    else high = middle;
  }
  return low === matches.length ? 0 : low;
}

type FindAction =
  | { type: 'search'; query: SearchQuery; from: number }
  | { type: 'move'; step: 1 | -1 }
  /** After a replace: the current match is the first one from `from` on. */
  | { type: 'current-from'; from: number };

export const findReplaceKey = new PluginKey<FindState>('findReplace');

const matchDecoration = (match: SearchMatch) => Decoration.inline(match.from, match.to, { class: FIND_MATCH_CLASS });

function decorationsFor(doc: ProseMirrorNode, matches: readonly SearchMatch[]): DecorationSet {
  return matches.length === 0 ? DecorationSet.empty : DecorationSet.create(doc, matches.map(matchDecoration));
}

/**
 * The highlights after a change, from those before it: moved across the changed range (not
 * the transaction's steps: y-tiptap applies a remote change as one step replacing the whole
 * document), with the searched-again textblocks' highlights made anew. Rebuilding the whole
 * set instead costs milliseconds per keystroke once there are thousands of matches.
 */
function updateDecorations(decorations: DecorationSet, doc: ProseMirrorNode, update: MatchUpdate): DecorationSet {
  const { change, start, end } = update;
  if (!change) return decorations;
  const mapping = new Mapping([new StepMap([change.from, change.toBefore - change.from, change.toAfter - change.from])]);
  const mapped = decorations.map(mapping, doc);
  const stale = mapped.find(start, end).filter((decoration) => decoration.from >= start && decoration.to <= end);
  const fresh = update.matches.filter((match) => match.from >= start && match.to <= end).map(matchDecoration);
  return mapped.remove(stale).add(doc, fresh);
}

/** Where the current match went in a change: its start mapped across the changed range. */
function mappedStart(change: ChangedRange | null, pos: number): number {
  if (!change || pos < change.from) return pos;
  if (pos >= change.toBefore) return pos + change.toAfter - change.toBefore;
  return change.from;
}

/** Every match's highlight and the current one's, as the view draws them. */
export function findDecorations(state: FindState, doc: ProseMirrorNode): DecorationSet {
  const current = state.matches[state.current];
  if (!current) return state.decorations;
  // Drawn over the match's own highlight: the two classes merge on the same text.
  return state.decorations.add(doc, [Decoration.inline(current.from, current.to, { class: FIND_CURRENT_CLASS })]);
}

/** The state after a transaction: the query's matches in the new document, the current one kept. */
export function applyFindTransaction(tr: Transaction, state: FindState, oldDoc: ProseMirrorNode): FindState {
  const action = tr.getMeta(findReplaceKey) as FindAction | undefined;
  const doc = tr.doc;
  let { query, matches, current, decorations } = state;
  const pattern = searchPattern(query);
  if (tr.docChanged && pattern) {
    const previous = matches[current];
    const update = rescanChange(oldDoc, doc, matches, pattern);
    matches = update.matches;
    decorations = updateDecorations(decorations, doc, update);
    current = matchAtOrAfter(matches, previous ? mappedStart(update.change, previous.from) : 0);
  }
  if (action?.type === 'search') {
    query = action.query;
    matches = findMatches(doc, query);
    decorations = decorationsFor(doc, matches);
    current = matchAtOrAfter(matches, action.from);
  } else if (action?.type === 'move' && matches.length > 0) {
    current = (current + action.step + matches.length) % matches.length;
  } else if (action?.type === 'current-from') {
    current = matchAtOrAfter(matches, action.from);
  } else if (!tr.docChanged) {
    return state;
  }
  return { query, matches, current, decorations };
}

/** The plugin holding the matches and drawing them. */
export function findReplacePlugin(): Plugin<FindState> {
  return new Plugin<FindState>({
    key: findReplaceKey,
    state: {
      init: () => ({ query: EMPTY_QUERY, matches: [], current: -1, decorations: DecorationSet.empty }),
      apply: (tr, value, oldState) => applyFindTransaction(tr, value, oldState.doc),
    },
    props: {
      decorations: (state) => {
        const find = findReplaceKey.getState(state);
        return find && findDecorations(find, state.doc);
      },
    },
  });
}

/** The find state of an editor state (empty when the plugin is absent). */
export function findState(state: EditorState): FindState | undefined {
  return findReplaceKey.getState(state);
}

/** A transaction setting the query; the current match is the first from `from` (the caret) on. */
export function setSearchQuery(state: EditorState, query: SearchQuery, from = state.selection.from): Transaction {
  return state.tr.setMeta(findReplaceKey, { type: 'search', query, from } satisfies FindAction).setMeta('addToHistory', false);
}

/** A transaction moving to the next (1) or previous (-1) match, wrapping round. */
export function moveToMatch(state: EditorState, step: 1 | -1): Transaction {
  return state.tr.setMeta(findReplaceKey, { type: 'move', step } satisfies FindAction);
}

/** Replaces `match` with `replacement` in `tr`, keeping the formatting of its first character. */
function replaceMatch(tr: Transaction, match: SearchMatch, replacement: string): void {
  if (replacement) tr.insertText(replacement, match.from, match.to);
  else tr.delete(match.from, match.to);
}

/** A transaction replacing the current match; the next match becomes current (null: no match). */
export function replaceCurrent(state: EditorState, replacement: string): Transaction | null {
  const find = findState(state);
  const match = find?.matches[find.current];
  if (!match) return null;
  const tr = state.tr;
  replaceMatch(tr, match, replacement);
  return tr.setMeta(findReplaceKey, { type: 'current-from', from: match.from + replacement.length } satisfies FindAction);
}

/** One transaction replacing every match (so one undo takes it all back); null: no match. */
export function replaceAll(state: EditorState, replacement: string): Transaction | null {
  const find = findState(state);
  if (!find || find.matches.length === 0) return null;
  const tr = state.tr;
  // From the last match back, so the earlier matches' positions still hold.
  for (let index = find.matches.length - 1; index >= 0; index -= 1) replaceMatch(tr, find.matches[index], replacement);
  return tr;
}

/** The editor extension: the plugin above (the find bar is the page's). */
export const FindReplace = Extension.create({
  name: 'findReplace',
  addProseMirrorPlugins() {
    return [findReplacePlugin()];
  },
});

/**
 * Runs `dispatch` as an undo step of its own: Yjs' UndoManager merges changes made within its
 * capture time of each other, so without this a replace all right after typing would be undone
 * together with the typing.
 */
export function asOwnUndoStep(state: EditorState, dispatch: () => void): void {
  const undoManager = (yUndoPluginKey.getState(state) as { undoManager?: { stopCapturing(): void } } | undefined)?.undoManager;
  undoManager?.stopCapturing();
  dispatch();
  undoManager?.stopCapturing();
}
