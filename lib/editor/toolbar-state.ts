/**
 * What the toolbar shows as on or off, read from the editor's state. The toolbar reads it after
 * every transaction, so most of them (typing, remote changes elsewhere) must cost next to
 * nothing: with a caret (an empty text selection) every answer depends only on the blocks around
 * it, the marks that typing there would get and whether this person can undo or redo, so those
 * form a key, and while the key stays the same the answers are the ones already read (the same
 * object, so React sees no change). A range or node selection is read afresh each time.
 */
import { isActive } from '@tiptap/core';
import { TextSelection, type EditorState } from '@tiptap/pm/state';
import { yUndoPluginKey } from '@tiptap/y-tiptap';

export interface Formatting {
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
  code: boolean;
  link: boolean;
  heading1: boolean;
  heading2: boolean;
  heading3: boolean;
  bulletList: boolean;
  orderedList: boolean;
  taskList: boolean;
  blockquote: boolean;
  codeBlock: boolean;
  inTable: boolean;
  /** Collaboration's per-person undo: only this person's changes. */
  canUndo: boolean;
  canRedo: boolean;
}

/** Every answer, read afresh (TipTap's isActive; the undo manager's stacks). */
export function readFormatting(state: EditorState): Formatting {
  const { canUndo, canRedo } = undoability(state);
  return {
    bold: isActive(state, 'bold'),
    italic: isActive(state, 'italic'),
    underline: isActive(state, 'underline'),
    strike: isActive(state, 'strike'),
    code: isActive(state, 'code'),
    link: isActive(state, 'link'),
    heading1: isActive(state, 'heading', { level: 1 }),
    heading2: isActive(state, 'heading', { level: 2 }),
    heading3: isActive(state, 'heading', { level: 3 }),
    bulletList: isActive(state, 'bulletList'),
    orderedList: isActive(state, 'orderedList'),
    taskList: isActive(state, 'taskList'),
    blockquote: isActive(state, 'blockquote'),
    codeBlock: isActive(state, 'codeBlock'),
    inTable: isActive(state, 'table'),
    canUndo,
    canRedo,
  };
}

/** A reader that answers from the last answers while the caret's key is unchanged. */
export function formattingReader(): (state: EditorState) => Formatting {
  let lastKey: string | null = null;
  let last: Formatting | null = null;
  return (state) => {
    const key = caretKey(state);
    if (key === null || key !== lastKey || last === null) {
      last = readFormatting(state);
      lastKey = key;
    }
    return last;
  };
}

/**
 * For a caret: the blocks containing it (with a heading's level), the marks typing would get
 * and the undo/redo availability — everything isActive reads for an empty selection. Null for
 * any other selection.
 */
function caretKey(state: EditorState): string | null {
  const { selection } = state;
  if (!selection.empty || !(selection instanceof TextSelection)) return null;
  const { $from } = selection;
  let key = '';
  for (let depth = 1; depth <= $from.depth; depth++) {
    const node = $from.node(depth);
    key += `${node.type.name}${node.attrs.level ?? ''}/`;
  }
  key += '|';
  for (const mark of state.storedMarks ?? $from.marks()) key += `${mark.type.name},`;
  const { canUndo, canRedo } = undoability(state);
  return `${key}|${Number(canUndo)}${Number(canRedo)}`;
}

function undoability(state: EditorState): { canUndo: boolean; canRedo: boolean } {
  const undoManager = (yUndoPluginKey.getState(state) as { undoManager?: { undoStack: unknown[]; redoStack: unknown[] } } | undefined)?.undoManager;
  return { canUndo: (undoManager?.undoStack.length ?? 0) > 0, canRedo: (undoManager?.redoStack.length ?? 0) > 0 };
}
