/**
 * The document's outline: its headings (level and text) in document order, with where each one
 * is, kept in a ProseMirror plugin's state. A change inside one textblock that is not a heading
 * (typing in a paragraph) only shifts the positions after it; anything else reads the headings
 * again, and the list keeps its identity when they are unchanged, so the outline panel
 * (components/Outline.tsx) redraws only when a heading changed.
 */
import { Extension } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { changedRange } from './comment-mark';

/** One heading as the outline lists it. */
export interface OutlineHeading {
  level: number;
  text: string;
}

/** The outline: `positions[i]` is where `headings[i]` starts in the document. */
export interface OutlineState {
  headings: readonly OutlineHeading[];
  positions: readonly number[];
}

const HEADING = 'heading';

/** Every heading of `doc` (in quotes, lists or anywhere else) in document order. */
export function readOutline(doc: ProseMirrorNode): OutlineState {
  const headings: OutlineHeading[] = [];
  const positions: number[] = [];
  doc.descendants((node, pos) => {
    if (node.type.name === HEADING) {
      headings.push({ level: Number(node.attrs.level) || 1, text: node.textContent });
      positions.push(pos);
    }
    // Nothing inside a textblock is a heading.
    return !node.isTextblock;
  });
  return { headings, positions };
}

function sameHeadings(a: readonly OutlineHeading[], b: readonly OutlineHeading[]): boolean {
  return a.length === b.length && a.every((heading, index) => heading.level === b[index].level && heading.text === b[index].text);
}

/** Whether from…to lies inside one textblock that is not a heading. */
function insideOneBodyTextblock(doc: ProseMirrorNode, from: number, to: number): boolean {
  const $from = doc.resolve(from);
  return $from.parent.isTextblock && $from.parent.type.name !== HEADING && to <= $from.end();
}

/** The outline of `after`, given `outline`, the outline of `before`. Always equal to readOutline(after). */
export function updateOutline(before: ProseMirrorNode, after: ProseMirrorNode, outline: OutlineState): OutlineState {
  const change = changedRange(before, after);
  if (!change) return outline;
  if (insideOneBodyTextblock(before, change.from, change.toBefore) && insideOneBodyTextblock(after, change.from, change.toAfter)) {
    const delta = change.toAfter - change.toBefore;
    if (delta === 0 || outline.positions.every((pos) => pos < change.from)) return outline;
    return { headings: outline.headings, positions: outline.positions.map((pos) => (pos > change.from ? pos + delta : pos)) };
  }
  const fresh = readOutline(after);
  return sameHeadings(fresh.headings, outline.headings) ? { headings: outline.headings, positions: fresh.positions } : fresh;
}

export const outlineKey = new PluginKey<OutlineState>('outline');

/** The plugin keeping the outline. */
export function outlinePlugin(): Plugin<OutlineState> {
  return new Plugin<OutlineState>({
    key: outlineKey,
    state: {
      init: (_, state) => readOutline(state.doc),
      apply: (tr, value, oldState) => (tr.docChanged ? updateOutline(oldState.doc, tr.doc, value) : value),
    },
  });
}

/** The outline of an editor state (none when the plugin is absent). */
export function outlineOf(state: EditorState): OutlineState | undefined {
  return outlineKey.getState(state);
}

/** The editor extension: the plugin above. */
export const DocumentOutline = Extension.create({
  name: 'documentOutline',
  addProseMirrorPlugins() {
    return [outlinePlugin()];
  },
});
