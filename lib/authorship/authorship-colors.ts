/**
 * "Show authors": a TipTap extension (added after Collaboration) whose ProseMirror plugin
 * colours the live text by who wrote it, as decorations only. Off until showAuthors() hands it
 * an author directory; off again with null (then it holds nothing and follows nothing).
 *
 * When it paints: a change that came from Yjs (someone else's edit, undo) is painted in the
 * same transaction, since the Y.Doc already holds it. A change typed here reaches the Y.Doc
 * only after the transaction (the binding writes it in its view update), so meanwhile the
 * decorations are mapped through the change and the document is repainted once per
 * animation frame. A repaint reads and decorates again only the textblocks Yjs reports
 * changed or new (ClientRunCache) and those the rendering's change spans; the rest keep
 * their decorations.
 */
import { Extension, type Editor } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import type { AuthorDirectory } from './author-directory';
import { docChange, EMPTY_PAINT, paintAuthors, type AuthorPaint, type BindingMapping, type PaintSince } from './author-paint';
import { ClientRunCache } from './client-runs';

export interface AuthorshipState {
  /** Null while "Show authors" is off. */
  directory: AuthorDirectory | null;
  paint: AuthorPaint;
  /** The decorations were mapped through a local change and wait for a repaint. */
  stale: boolean;
}

type AuthorshipMeta = { directory: AuthorDirectory | null } | { repaint: true };

export const authorshipPluginKey = new PluginKey<AuthorshipState>('authorshipColors');

/** The binding's Y.Doc and mapping, from the Collaboration extension's sync plugin. */
function bindingOf(state: EditorState): { doc: Y.Doc; mapping: BindingMapping } | null {
  const sync = ySyncPluginKey.getState(state) as { doc?: Y.Doc; binding?: { mapping: BindingMapping } } | undefined;
  return sync?.doc && sync.binding ? { doc: sync.doc, mapping: sync.binding.mapping } : null;
}

/** Turns the colours on with `directory` (or updates who is who), or off with null. */
export function showAuthors(editor: Editor, directory: AuthorDirectory | null): void {
  if (editor.isDestroyed) return;
  const current = authorshipPluginKey.getState(editor.state);
  if (!current || (current.directory === null && directory === null)) return;
  const meta: AuthorshipMeta = { directory };
  editor.view.dispatch(editor.state.tr.setMeta(authorshipPluginKey, meta));
}

/** What the plugin shows now (null without the extension). */
export function authorshipState(state: EditorState): AuthorshipState | null {
  return authorshipPluginKey.getState(state) ?? null;
}

export const AuthorshipColors = Extension.create({
  name: 'authorshipColors',

  addProseMirrorPlugins() {
    // Made when the colours turn on, dropped when they turn off.
    let cache: ClientRunCache | null = null;
    /** Paints `state`: all of it, or only what changed since a paint mapped by `since`. */
    const paint = (state: EditorState, directory: AuthorDirectory, since?: Omit<PaintSince, 'changed'>): AuthorPaint => {
      const binding = bindingOf(state);
      if (!binding) return EMPTY_PAINT;
      if (!cache) {
        cache = new ClientRunCache(binding.doc);
        since = undefined;
      }
      const runs = cache;
      const changed = runs.takeChanged();
      const isChanged = (element: Y.XmlElement) => changed.has(element) || !runs.holds(element);
      return paintAuthors(state.doc, binding.mapping, (element) => runs.runsOf(element), directory, since && { ...since, changed: isChanged });
    };

    return [
      new Plugin<AuthorshipState>({
        key: authorshipPluginKey,
        state: {
          init: () => ({ directory: null, paint: EMPTY_PAINT, stale: false }),
          apply(tr: Transaction, value: AuthorshipState, old: EditorState, state: EditorState): AuthorshipState {
            const meta = tr.getMeta(authorshipPluginKey) as AuthorshipMeta | undefined;
            if (meta && 'directory' in meta) {
              if (meta.directory === null) {
                cache?.destroy();
                cache = null;
                return { directory: null, paint: EMPTY_PAINT, stale: false };
              }
              return { directory: meta.directory, paint: paint(state, meta.directory), stale: false };
            }
            const { directory } = value;
            if (!directory) return value;
            const fromYjs = (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin === true;
            if (tr.docChanged && fromYjs) {
              // The binding swapped in a whole new document: map the old decorations through
              // what really changed, not through its replace-everything step.
              const change = docChange(old.doc, state.doc);
              const decorations = change ? value.paint.decorations.map(change.mapping, state.doc) : value.paint.decorations;
              return { directory, paint: paint(state, directory, { decorations, range: change?.range ?? null }), stale: false };
            }
            if (meta && 'repaint' in meta && value.stale) {
              // Mapped through the local steps themselves: only the textblocks Yjs changed.
              return { directory, paint: paint(state, directory, { decorations: value.paint.decorations, range: null }), stale: false };
            }
            if (!tr.docChanged) return value;
            return {
              directory,
              paint: { ...value.paint, decorations: value.paint.decorations.map(tr.mapping, tr.doc) },
              stale: true,
            };
          },
        },
        props: {
          decorations: (state) => authorshipPluginKey.getState(state)?.paint.decorations,
        },
        view: (view) => {
          let frame: number | null = null;
          return {
            update() {
              if (frame !== null || !authorshipPluginKey.getState(view.state)?.stale) return;
              frame = requestAnimationFrame(() => {
                frame = null;
                if (!authorshipPluginKey.getState(view.state)?.stale) return;
                const meta: AuthorshipMeta = { repaint: true };
                view.dispatch(view.state.tr.setMeta(authorshipPluginKey, meta));
              });
            },
            destroy() {
              if (frame !== null) cancelAnimationFrame(frame);
              cache?.destroy();
              cache = null;
            },
          };
        },
      }),
    ];
  },
});
