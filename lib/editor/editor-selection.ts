/**
 * The browser moves the selection at once on a key press but reports the move to the editor a
 * moment later ("selectionchange"). A shortcut arriving in that moment would act on the previous
 * selection, and if focus leaves the document first (a dialog, a Tab to the toolbar) ProseMirror
 * drops the late report altogether. Reading the browser's selection directly closes that gap.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, TextSelection } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';

/**
 * Makes the editor's selection the one the browser shows, when the two differ. Also for
 * commands from outside the editor's own keymaps: a read-only editor (the comment page) never
 * has focus, so its shortcuts arrive at the window, possibly before "selectionchange".
 */
export function syncSelectionFromBrowser(view: EditorView): void {
  if (view.isDestroyed) return;
  const browserSelection = document.getSelection();
  const { anchorNode, focusNode } = browserSelection ?? {};
  if (!browserSelection || !anchorNode || !focusNode) return;
  if (!view.dom.contains(anchorNode) || !view.dom.contains(focusNode)) return;
  // Node and cell selections are the editor's own and have no browser counterpart to read.
  if (!(view.state.selection instanceof TextSelection)) return;
  let anchor: number;
  let head: number;
  try {
    anchor = view.posAtDOM(anchorNode, browserSelection.anchorOffset);
    head = view.posAtDOM(focusNode, browserSelection.focusOffset);
  } catch {
    return; // Inside something that maps to no document position (a remote caret's label).
  }
  const current = view.state.selection;
  if (current.anchor === anchor && current.head === head) return;
  const { doc } = view.state;
  view.dispatch(view.state.tr.setSelection(TextSelection.between(doc.resolve(anchor), doc.resolve(head))));
}

/**
 * Before any shortcut (a key with Ctrl, Cmd or Alt), when a pointer goes down outside the
 * document (a toolbar button keeps the document focused) and whenever focus leaves it, the
 * editor takes the selection the browser shows. Runs ahead of every keymap.
 */
export const BrowserSelectionSync = Extension.create({
  name: 'browserSelectionSync',
  priority: 10_000,
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('browserSelectionSync'),
        view(editorView) {
          const onPointerDownOutside = (event: PointerEvent) => {
            if (!editorView.isDestroyed && !editorView.dom.contains(event.target as Node)) syncSelectionFromBrowser(editorView);
          };
          // Capture phase: before the toolbar's own handlers run their command.
          document.addEventListener('pointerdown', onPointerDownOutside, true);
          return { destroy: () => document.removeEventListener('pointerdown', onPointerDownOutside, true) };
        },
        props: {
          handleKeyDown(view, event) {
            if ((event.ctrlKey || event.metaKey || event.altKey) && !view.composing) syncSelectionFromBrowser(view);
            return false;
          },
          handleDOMEvents: {
            focusout(view) {
              if (!view.isDestroyed) syncSelectionFromBrowser(view);
              return false;
            },
          },
        },
      }),
    ];
  },
});
