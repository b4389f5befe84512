/**
 * The version viewer's schema: the document's own (contentExtensions()) plus what y-tiptap
 * writes while it renders a diff: a `ychange` mark on changed text and a `ychange` attribute on
 * changed nodes, both `{ user, type: 'added' | 'removed', color }`. Without them the diff
 * renders empty, and a live binding would delete text (research §1.1), which is why only the
 * viewer ever has them. Also the highlight of the change the reader has moved to.
 */
import { Extension, Mark, type Extensions } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { contentExtensions } from '../editor/editor-extensions';
import { safeAuthorColor } from './attribution';

/** What y-tiptap puts in a `ychange` mark or node attribute. */
export interface YChange {
  user: string;
  type: 'added' | 'removed';
  color: { light: string; dark: string } | string | null;
}

export const YCHANGE = 'ychange';

/** HTML attributes that show one change: its kind and author for CSS and tests, its colour as a variable. */
export function changeAttributes(change: YChange | null | undefined): Record<string, string> {
  if (!change || (change.type !== 'added' && change.type !== 'removed')) return {};
  const color = typeof change.color === 'string' ? change.color : change.color?.light;
  return {
    'data-change': change.type,
    'data-author': String(change.user),
    style: `--change-color: ${safeAuthorColor(color)}`,
  };
}

/** The `ychange` mark on added or removed text. */
export const YChangeMark = Mark.create({
  name: YCHANGE,
  // Text typed next to a change is not part of it, and changes by several people may overlap.
  inclusive: false,
  excludes: '',
  addAttributes() {
    return { user: { default: null }, type: { default: null }, color: { default: null } };
  },
  // Never parsed from HTML or a paste: only y-tiptap's diff rendering creates it.
  parseHTML: () => [],
  renderHTML({ mark }) {
    return ['span', { class: `ychange ychange-${String(mark.attrs.type)}`, ...changeAttributes(mark.attrs as YChange) }, 0];
  },
});

/** The `ychange` attribute on every node type of the document (paragraphs, list items, images, …). */
export const YChangeAttribute = Extension.create({
  name: 'ychangeAttribute',
  addGlobalAttributes() {
    const nodeTypes = this.extensions.filter((extension) => extension.type === 'node' && extension.name !== 'text').map((extension) => extension.name);
    return [
      {
        types: nodeTypes,
        attributes: {
          [YCHANGE]: {
            default: null,
            parseHTML: () => null,
            renderHTML: (attributes) => changeAttributes(attributes[YCHANGE] as YChange | null),
          },
        },
      },
    ];
  },
});

const currentChangeKey = new PluginKey<DecorationSet>('currentChange');

/** Marks the range `[from, to)` as the change the reader is on (null: none). */
export function showCurrentChange(state: EditorState, range: { from: number; to: number } | null): Transaction {
  return state.tr.setMeta(currentChangeKey, range);
}

/** The decoration that outlines the current change; it lives only until the next render. */
export const CurrentChangeHighlight = Extension.create({
  name: 'currentChangeHighlight',
  addProseMirrorPlugins() {
    return [
      new Plugin<DecorationSet>({
        key: currentChangeKey,
        state: {
          init: () => DecorationSet.empty,
          apply(tr, decorations) {
            const range = tr.getMeta(currentChangeKey) as { from: number; to: number } | null | undefined;
            if (range === undefined) return tr.docChanged ? DecorationSet.empty : decorations;
            if (range === null) return DecorationSet.empty;
            const outlines = [Decoration.inline(range.from, range.to, { class: 'current-change' })];
            // Inline decorations skip block leaves (images, dividers): outline those as nodes.
            tr.doc.nodesBetween(range.from, range.to, (node, pos) => {
              if (node.isLeaf && node.isBlock && pos >= range.from && pos + node.nodeSize <= range.to) {
                outlines.push(Decoration.node(pos, pos + node.nodeSize, { class: 'current-change' }));
              }
            });
            return DecorationSet.create(tr.doc, outlines);
          },
        },
        props: { decorations: (state) => currentChangeKey.getState(state) },
      }),
    ];
  },
});

/** The content schema of a version viewer: the document's own plus the change marks (no Collaboration). */
export function historyContentExtensions(): Extensions {
  return [...contentExtensions(), YChangeMark, YChangeAttribute, CurrentChangeHighlight];
}
