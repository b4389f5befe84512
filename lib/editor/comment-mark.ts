/**
 * Commented text in the document: the `comment` mark the server puts on a thread's quoted
 * text (attribute `threadId`; threads may overlap, and text typed at its edges is not part of
 * it), and, in the live editors only, the highlights over it: which threads are shown (open
 * ones; resolved ones too with "Show resolved"), which one is selected, and clicks on
 * highlighted text selecting its thread. The mark itself draws nothing, so the version viewer
 * (which has the schema but not the highlights) shows no comments.
 */
import { Extension, Mark, type Editor } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Mapping, StepMap } from '@tiptap/pm/transform';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { COMMENT_MARK_NAME } from '../protocol/comments';

/** The protocol's mark name (lib/protocol/comments.ts). */
export const COMMENT_MARK = COMMENT_MARK_NAME;

/** The comment mark: only the server adds or removes it (README "Comment threads"). */
export const CommentMark = Mark.create({
  name: COMMENT_MARK,
  inclusive: false,
  // Overlapping threads, each its own mark.
  excludes: '',
  // Never taken from pasted HTML: a copied highlight would point at a thread about other text.
  parseHTML: () => [],
  addAttributes() {
    return {
      threadId: { default: null, rendered: false },
    };
  },
  renderHTML() {
    return ['span', 0];
  },
});

/** What the highlights show: set with `showCommentHighlights`. */
export interface CommentHighlightState {
  /** Threads whose text is highlighted (open, or resolved while "Show resolved" is on). */
  shown: ReadonlySet<string>;
  selected: string | null;
}

interface HighlightPluginState extends CommentHighlightState {
  /** Every thread's ranges in the current document (read once per change, for the margin too). */
  ranges: ThreadRanges;
  decorations: DecorationSet;
  /** What the last transaction changed, in its document (null: it changed no content). */
  changed: ChangedRange | null;
}

/** The part of a document a change replaced: `from`…`toBefore` before, `from`…`toAfter` after. */
export interface ChangedRange {
  from: number;
  toBefore: number;
  toAfter: number;
}

/**
 * Where `after` differs from `before` (null when their content is the same). Compared rather
 * than read from the transaction's steps: a remote change arrives as one step replacing whole
 * top-level nodes (with patches/@tiptap+y-tiptap+3.0.9.patch the changed ones only; upstream, the
 * whole document), though it changes only a few characters. Nodes the binding kept are the same
 * objects, so the comparison skips them at once.
 */
export function changedRange(before: ProseMirrorNode, after: ProseMirrorNode): ChangedRange | null {
  const from = before.content.findDiffStart(after.content);
  if (from === null) return null;
  let { a: toBefore, b: toAfter } = before.content.findDiffEnd(after.content)!;
  // Repeated text makes the two scans overlap ("aa" → "aaa"): the change starts at `from`.
  const overlap = from - Math.min(toBefore, toAfter);
  if (overlap > 0) {
    toBefore += overlap;
    toAfter += overlap;
  }
  return { from, toBefore, toAfter };
}

/** Each thread's text ranges, threads in document order of their first character. */
export type ThreadRanges = ReadonlyMap<string, readonly { from: number; to: number }[]>;

const NO_RANGES: ThreadRanges = new Map();

const highlightKey = new PluginKey<HighlightPluginState>('commentHighlights');

/** The ranges of each thread's mark, in document order of their first character. */
export function commentRanges(doc: ProseMirrorNode): Map<string, { from: number; to: number }[]> {
  const ranges = new Map<string, { from: number; to: number }[]>();
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    for (const mark of node.marks) {
      if (mark.type.name !== COMMENT_MARK || typeof mark.attrs.threadId !== 'string') continue;
      const list = ranges.get(mark.attrs.threadId) ?? [];
      const last = list[list.length - 1];
      if (last && last.to === pos) last.to = pos + node.nodeSize;
      else list.push({ from: pos, to: pos + node.nodeSize });
      ranges.set(mark.attrs.threadId, list);
    }
  });
  return ranges;
}

/** The highlights of the shown threads' ranges that touch `within` (all of them without it). */
function highlights(threadRanges: ThreadRanges, { shown, selected }: CommentHighlightState, within?: { from: number; to: number }): Decoration[] {
  const decorations: Decoration[] = [];
  for (const [threadId, ranges] of threadRanges) {
    if (!shown.has(threadId)) continue;
    const className = threadId === selected ? 'comment-highlight comment-highlight-selected' : 'comment-highlight';
    for (const { from, to } of ranges) {
      if (within && (to < within.from || from > within.to)) continue;
      decorations.push(Decoration.inline(from, to, { class: className, 'data-comment-thread': threadId }));
    }
  }
  return decorations;
}

function decorate(doc: ProseMirrorNode, threadRanges: ThreadRanges, state: CommentHighlightState): DecorationSet {
  return DecorationSet.create(doc, highlights(threadRanges, state));
}

/**
 * The highlights after a change: the earlier ones moved past it, and those touching the changed
 * part made again from `threadRanges`. Building the whole set per keystroke cost more than the
 * keystroke itself with hundreds of threads; a set mapped this way also keeps its unchanged
 * parts, which the view then need not compare.
 */
function redecorate(previous: DecorationSet, doc: ProseMirrorNode, threadRanges: ThreadRanges, state: CommentHighlightState, changed: ChangedRange): DecorationSet {
  const step = new StepMap([changed.from, changed.toBefore - changed.from, changed.toAfter - changed.from]);
  const moved = previous.map(new Mapping([step]), doc);
  const within = { from: changed.from, to: changed.toAfter };
  // `find` returns what touches the range, boundaries included; `highlights` picks the same.
  return moved.remove(moved.find(within.from, within.to)).add(doc, highlights(threadRanges, state, within));
}

/** The threads whose text touches `pos`, for a click on highlighted text. */
function threadsAt(state: EditorState, pos: number): string[] {
  const $pos = state.doc.resolve(pos);
  const marks = [...($pos.nodeAfter?.marks ?? []), ...($pos.nodeBefore?.marks ?? [])];
  return [...new Set(marks.filter((mark) => mark.type.name === COMMENT_MARK).map((mark) => String(mark.attrs.threadId)))];
}

/**
 * The DOM event a click on highlighted text sends from the editor's element, with the thread's
 * id as `detail` (the next thread there when threads overlap and one of them is selected).
 */
export const COMMENT_THREAD_CLICK = 'tandem-comment-thread-click';

/**
 * The highlights' ProseMirror plugin: each thread's ranges, the decorations over the shown
 * ones, and clicks on them (CommentHighlights adds it to the live editors).
 */
export function commentHighlightsPlugin(): Plugin<HighlightPluginState> {
  return new Plugin<HighlightPluginState>({
    key: highlightKey,
    state: {
      init: (_config, state) => {
        const empty = { shown: new Set<string>(), selected: null };
        const ranges = commentRanges(state.doc);
        return { ...empty, ranges, decorations: decorate(state.doc, ranges, empty), changed: null };
      },
      apply(tr, previous) {
        const next = tr.getMeta(highlightKey) as CommentHighlightState | undefined;
        if (next) return { ...previous, ...next, decorations: decorate(tr.doc, previous.ranges, next), changed: null };
        if (!tr.docChanged) return previous.changed === null ? previous : { ...previous, changed: null };
        const changed = changedRange(tr.before, tr.doc);
        if (!changed) return { ...previous, changed };
        // Marks come and go with remote changes: the ranges are read again (a quick walk).
        const ranges = commentRanges(tr.doc);
        return { ...previous, ranges, decorations: redecorate(previous.decorations, tr.doc, ranges, previous, changed), changed };
      },
    },
    props: {
      decorations: (state) => highlightKey.getState(state)?.decorations,
      handleClick(view, pos) {
        const plugin = highlightKey.getState(view.state);
        const here = threadsAt(view.state, pos).filter((id) => plugin?.shown.has(id));
        if (here.length === 0) return false;
        const current = here.indexOf(plugin?.selected ?? '');
        // Clicking again where threads overlap moves on to the next one there.
        view.dom.dispatchEvent(new CustomEvent(COMMENT_THREAD_CLICK, { detail: here[(current + 1) % here.length] }));
        return false;
      },
    },
  });
}

/** The highlights over commented text, for the live editors (not the version viewer). */
export const CommentHighlights = Extension.create({
  name: 'commentHighlights',
  addProseMirrorPlugins() {
    return [commentHighlightsPlugin()];
  },
});

/** The highlights' decorations in `state` (tests compare them with a fresh build). */
export function commentHighlightsIn(state: EditorState): DecorationSet | undefined {
  return highlightKey.getState(state)?.decorations;
}

/** The highlight state a transaction sets (showCommentHighlights dispatches it). */
export function withCommentHighlights(tr: Transaction, state: CommentHighlightState): Transaction {
  return tr.setMeta(highlightKey, state);
}

/** What `state`'s transaction changed (null: no content, or no highlights in this editor). */
export function lastCommentChange(state: EditorState): ChangedRange | null {
  return highlightKey.getState(state)?.changed ?? null;
}

/** Each thread's ranges in `state`'s document (empty in editors without the highlights). */
export function commentRangesIn(state: EditorState): ThreadRanges {
  return highlightKey.getState(state)?.ranges ?? NO_RANGES;
}

/** Tells the highlights which threads to show and which is selected. */
export function showCommentHighlights(editor: Editor, state: CommentHighlightState): void {
  if (editor.isDestroyed) return;
  editor.view.dispatch(withCommentHighlights(editor.state.tr, state).setMeta('addToHistory', false));
}
