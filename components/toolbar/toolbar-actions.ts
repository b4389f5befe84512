/**
 * Every action of the formatting toolbar, in order, as data: the toolbar draws its buttons (and
 * its "More" menu) from this table, and the phone story enumerates it, so no action can be left
 * unreachable by either. Faces (icons) are drawn by components/Toolbar.tsx.
 */
import type { ChainedCommands } from '@tiptap/core';
import type { Formatting } from '../../lib/editor/toolbar-state';
import { SHORTCUTS } from './shortcuts';

/** What the toolbar offers an action to run with. */
export interface ToolbarContext {
  /** The editor's command chain, focused. */
  chain: () => ChainedCommands;
  openDialog: (dialog: 'link' | 'image') => void;
  /** Opens the comment composer on the selection (pages that comment). */
  comment?: () => void;
}

export interface ToolbarAction {
  /** A stable name (the tests', and the face's key). */
  name: string;
  /** The accessible name, also the start of the tooltip. */
  label: string;
  group: ToolbarGroupName;
  /** TipTap notation, shown in the tooltip. */
  shortcut?: string;
  /** Toggles: the formatting answer that says whether it is on at the selection. */
  pressed?: keyof Formatting;
  /** It opens a dialog rather than changing the document at once. */
  opensDialog?: boolean;
  disabled?: (state: Formatting) => boolean;
  /** Offered only when this holds (e.g. table tools inside a table). */
  shown?: (state: Formatting, context: ToolbarContext) => boolean;
  run: (context: ToolbarContext) => void;
}

/** The toolbar's groups, in order, with their names for assistive technology. */
export const TOOLBAR_GROUPS = {
  history: 'History',
  headings: 'Headings',
  text: 'Text',
  blocks: 'Blocks',
  insert: 'Insert',
  comment: 'Comment',
  table: 'Table',
} as const;

export type ToolbarGroupName = keyof typeof TOOLBAR_GROUPS;

const inTable = (state: Formatting) => state.inTable;

export const TOOLBAR_ACTIONS = [
  { name: 'undo', label: 'Undo', group: 'history', shortcut: SHORTCUTS.undo, disabled: (s) => !s.canUndo, run: (c) => c.chain().undo().run() },
  { name: 'redo', label: 'Redo', group: 'history', shortcut: SHORTCUTS.redo, disabled: (s) => !s.canRedo, run: (c) => c.chain().redo().run() },
  { name: 'heading1', label: 'Heading 1', group: 'headings', shortcut: SHORTCUTS.heading1, pressed: 'heading1', run: (c) => c.chain().toggleHeading({ level: 1 }).run() },
  { name: 'heading2', label: 'Heading 2', group: 'headings', shortcut: SHORTCUTS.heading2, pressed: 'heading2', run: (c) => c.chain().toggleHeading({ level: 2 }).run() },
  { name: 'heading3', label: 'Heading 3', group: 'headings', shortcut: SHORTCUTS.heading3, pressed: 'heading3', run: (c) => c.chain().toggleHeading({ level: 3 }).run() },
  { name: 'bold', label: 'Bold', group: 'text', shortcut: SHORTCUTS.bold, pressed: 'bold', run: (c) => c.chain().toggleBold().run() },
  { name: 'italic', label: 'Italic', group: 'text', shortcut: SHORTCUTS.italic, pressed: 'italic', run: (c) => c.chain().toggleItalic().run() },
  { name: 'underline', label: 'Underline', group: 'text', shortcut: SHORTCUTS.underline, pressed: 'underline', run: (c) => c.chain().toggleUnderline().run() },
  { name: 'strike', label: 'Strikethrough', group: 'text', shortcut: SHORTCUTS.strike, pressed: 'strike', run: (c) => c.chain().toggleStrike().run() },
  { name: 'code', label: 'Inline code', group: 'text', shortcut: SHORTCUTS.code, pressed: 'code', run: (c) => c.chain().toggleCode().run() },
  { name: 'link', label: 'Link', group: 'text', shortcut: SHORTCUTS.link, pressed: 'link', opensDialog: true, run: (c) => c.openDialog('link') },
  { name: 'bulletList', label: 'Bullet list', group: 'blocks', shortcut: SHORTCUTS.bulletList, pressed: 'bulletList', run: (c) => c.chain().toggleBulletList().run() },
  { name: 'orderedList', label: 'Numbered list', group: 'blocks', shortcut: SHORTCUTS.orderedList, pressed: 'orderedList', run: (c) => c.chain().toggleOrderedList().run() },
  { name: 'taskList', label: 'Task list', group: 'blocks', shortcut: SHORTCUTS.taskList, pressed: 'taskList', run: (c) => c.chain().toggleTaskList().run() },
  { name: 'blockquote', label: 'Quote', group: 'blocks', shortcut: SHORTCUTS.blockquote, pressed: 'blockquote', run: (c) => c.chain().toggleBlockquote().run() },
  { name: 'codeBlock', label: 'Code block', group: 'blocks', shortcut: SHORTCUTS.codeBlock, pressed: 'codeBlock', run: (c) => c.chain().toggleCodeBlock().run() },
  { name: 'divider', label: 'Divider', group: 'insert', run: (c) => c.chain().setHorizontalRule().run() },
  { name: 'table', label: 'Table', group: 'insert', disabled: inTable, run: (c) => c.chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run() },
  { name: 'image', label: 'Image', group: 'insert', opensDialog: true, run: (c) => c.openDialog('image') },
  { name: 'comment', label: 'Comment', group: 'comment', shortcut: SHORTCUTS.comment, shown: (_s, c) => c.comment !== undefined, run: (c) => c.comment?.() },
  { name: 'addRowBefore', label: 'Add row before', group: 'table', shown: inTable, run: (c) => c.chain().addRowBefore().run() },
  { name: 'addRowAfter', label: 'Add row after', group: 'table', shown: inTable, run: (c) => c.chain().addRowAfter().run() },
  { name: 'deleteRow', label: 'Delete row', group: 'table', shown: inTable, run: (c) => c.chain().deleteRow().run() },
  { name: 'addColumnBefore', label: 'Add column before', group: 'table', shown: inTable, run: (c) => c.chain().addColumnBefore().run() },
  { name: 'addColumnAfter', label: 'Add column after', group: 'table', shown: inTable, run: (c) => c.chain().addColumnAfter().run() },
  { name: 'deleteColumn', label: 'Delete column', group: 'table', shown: inTable, run: (c) => c.chain().deleteColumn().run() },
  { name: 'deleteTable', label: 'Delete table', group: 'table', shown: inTable, run: (c) => c.chain().deleteTable().run() },
] as const satisfies readonly ToolbarAction[];

/** An action's name in the table. */
export type ToolbarActionName = (typeof TOOLBAR_ACTIONS)[number]['name'];
