/**
 * The browser moves the selection at once on a key press but reports the move to the editor a
 * moment later ("selectionchange"). A shortcut that opens a dialog in that moment takes focus
 * away before the report arrives, and ProseMirror then drops it, so the dialog would act on the
 * previous selection. Reading the browser's selection directly closes that gap.
 */
import { TextSelection } from '@tiptap/pm/state';
import type { Editor } from '@tiptap/react';

/** Makes the editor's selection the one the browser shows, when the two differ. */
export function syncSelectionFromBrowser(editor: Editor): void {
  const { view } = editor;
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
