/**
 * The slash menu's blocks, in one table: what each is called, the words that find it, the
 * toolbar shortcut that does the same, and how it is applied at the caret. The menu
 * (components/SlashMenu.tsx) filters this table by what was typed after "/".
 */
import type { ChainedCommands, Editor } from '@tiptap/core';
import type { ShortcutName } from '../../components/toolbar/shortcuts';

/** One entry of the slash menu. */
export interface SlashCommand {
  id: string;
  /** The name shown in the menu, the same as the toolbar button's. */
  label: string;
  /** Other words that find it ("h1", "hr", "picture"). */
  keywords: readonly string[];
  /** The toolbar's shortcut for the same block, shown beside it. */
  shortcut?: ShortcutName;
  /** Applies the block where the caret is (the "/" and filter text already removed). */
  apply?: (chain: ChainedCommands) => ChainedCommands;
  /** Instead of applying anything, the page opens this dialog (the toolbar's). */
  opensDialog?: 'image';
  /** Whether the block can go where the caret is (no table inside a table). */
  available?: (editor: Editor) => boolean;
}

/** Every block the slash menu offers, in the order it lists them. */
export const SLASH_COMMANDS: readonly SlashCommand[] = [
  { id: 'heading1', label: 'Heading 1', keywords: ['h1', 'title'], shortcut: 'heading1', apply: (chain) => chain.setHeading({ level: 1 }) },
  { id: 'heading2', label: 'Heading 2', keywords: ['h2', 'subtitle'], shortcut: 'heading2', apply: (chain) => chain.setHeading({ level: 2 }) },
  { id: 'heading3', label: 'Heading 3', keywords: ['h3'], shortcut: 'heading3', apply: (chain) => chain.setHeading({ level: 3 }) },
  { id: 'bulletList', label: 'Bullet list', keywords: ['ul', 'unordered'], shortcut: 'bulletList', apply: (chain) => chain.toggleBulletList() },
  { id: 'orderedList', label: 'Numbered list', keywords: ['ol', 'ordered'], shortcut: 'orderedList', apply: (chain) => chain.toggleOrderedList() },
  { id: 'taskList', label: 'Task list', keywords: ['todo', 'checkbox', 'checklist'], shortcut: 'taskList', apply: (chain) => chain.toggleTaskList() },
  { id: 'blockquote', label: 'Quote', keywords: ['blockquote', 'citation'], shortcut: 'blockquote', apply: (chain) => chain.toggleBlockquote() },
  { id: 'codeBlock', label: 'Code block', keywords: ['pre', 'snippet'], shortcut: 'codeBlock', apply: (chain) => chain.setCodeBlock() },
  {
    id: 'table',
    label: 'Table',
    keywords: ['grid', 'columns', 'rows'],
    apply: (chain) => chain.insertTable({ rows: 3, cols: 3, withHeaderRow: true }),
    available: (editor) => !editor.isActive('table'),
  },
  { id: 'divider', label: 'Divider', keywords: ['hr', 'horizontal rule', 'line', 'separator'], apply: (chain) => chain.setHorizontalRule() },
  { id: 'image', label: 'Image', keywords: ['picture', 'photo', 'img'], opensDialog: 'image' },
];

/**
 * The commands a filter text finds, in table order: those with a word of their label or a
 * keyword starting with it (case ignored, spaces in the filter ignored too, so "bulletl"
 * still finds "Bullet list"). An empty filter finds everything.
 */
export function filterSlashCommands(query: string, commands: readonly SlashCommand[] = SLASH_COMMANDS): SlashCommand[] {
  const wanted = query.toLowerCase().replace(/\s+/g, '');
  if (wanted === '') return [...commands];
  return commands.filter((command) => searchTermsOf(command).some((term) => term.startsWith(wanted)));
}

/** The label, each word of it onwards ("list" for "Bullet list"), and the keywords, spaceless. */
function searchTermsOf(command: SlashCommand): string[] {
  const words = command.label.toLowerCase().split(/\s+/);
  const tails = words.map((_, index) => words.slice(index).join(''));
  return [...tails, ...command.keywords.map((keyword) => keyword.toLowerCase().replace(/\s+/g, ''))];
}
