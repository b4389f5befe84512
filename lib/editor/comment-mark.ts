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
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
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
  decorations: DecorationSet;
}

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

function decorate(doc: ProseMirrorNode, { shown, selected }: CommentHighlightState): DecorationSet {
  const decorations: Decoration[] = [];
  for (const [threadId, ranges] of commentRanges(doc)) {
    if (!shown.has(threadId)) continue;
    const className = threadId === selected ? 'comment-highlight comment-highlight-selected' : 'comment-highlight';
    for (const { from, to } of ranges) decorations.push(Decoration.inline(from, to, { class: className, 'data-comment-thread': threadId }));
  }
  return DecorationSet.create(doc, decorations);
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

/** The highlights over commented text, for the live editors (not the version viewer). */
export const CommentHighlights = Extension.create({
  name: 'commentHighlights',
  addProseMirrorPlugins() {
    return [
      new Plugin<HighlightPluginState>({
        key: highlightKey,
        state: {
          init: (_config, state) => {
            const empty = { shown: new Set<string>(), selected: null };
            return { ...empty, decorations: decorate(state.doc, empty) };
          },
          apply(tr, previous) {
            const next = tr.getMeta(highlightKey) as CommentHighlightState | undefined;
            if (next) return { ...next, decorations: decorate(tr.doc, next) };
            if (!tr.docChanged) return previous;
            // Marks come and go with remote changes: read them again rather than map.
            return { ...previous, decorations: decorate(tr.doc, previous) };
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
      }),
    ];
  },
});

/** Tells the highlights which threads to show and which is selected. */
export function showCommentHighlights(editor: Editor, state: CommentHighlightState): void {
  if (editor.isDestroyed) return;
  editor.view.dispatch(editor.state.tr.setMeta(highlightKey, state).setMeta('addToHistory', false));
}
