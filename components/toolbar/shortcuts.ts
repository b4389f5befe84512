/**
 * Keyboard shortcuts of the formatting commands, in TipTap's notation ("Mod" is Cmd on a Mac,
 * Ctrl elsewhere): the editor's extensions bind them; the toolbar shows them.
 */
export const SHORTCUTS = {
  bold: 'Mod-B',
  italic: 'Mod-I',
  underline: 'Mod-U',
  strike: 'Mod-Shift-S',
  code: 'Mod-E',
  link: 'Mod-K',
  heading1: 'Mod-Alt-1',
  heading2: 'Mod-Alt-2',
  heading3: 'Mod-Alt-3',
  orderedList: 'Mod-Shift-7',
  bulletList: 'Mod-Shift-8',
  taskList: 'Mod-Shift-9',
  blockquote: 'Mod-Shift-B',
  codeBlock: 'Mod-Alt-C',
  /** Bound on the page (components/CommentSelectionButton.tsx), not by an extension. */
  comment: 'Mod-Alt-M',
  undo: 'Mod-Z',
  redo: 'Mod-Shift-Z',
  /** Bound on the page (components/FindBar.tsx), with the ones below it. */
  find: 'Mod-F',
  replace: 'Mod-H',
  findNext: 'Enter',
  findPrevious: 'Shift-Enter',
  closeFind: 'Escape',
  /** Bound on the page (components/EditorPage.tsx). */
  versionHistory: 'Mod-Alt-Shift-H',
  /** Bound on the page (components/ShortcutsDialog.tsx). */
  shortcuts: 'Mod-/',
  /** Typed (components/SlashMenu.tsx): at the start of a line or after a space. */
  slashMenu: '/',
  /** Bound on the page (components/LinkBubble.tsx) while the caret is on a link. */
  linkBubble: 'Tab',
} as const;

/** A shortcut's name in the table. */
export type ShortcutName = keyof typeof SHORTCUTS;

/** The shortcuts dialog's groups: every shortcut above, once, with what it does. */
export const SHORTCUT_GROUPS: readonly { title: string; shortcuts: readonly { name: ShortcutName; action: string }[] }[] = [
  {
    title: 'Text formatting',
    shortcuts: [
      { name: 'bold', action: 'Bold' },
      { name: 'italic', action: 'Italic' },
      { name: 'underline', action: 'Underline' },
      { name: 'strike', action: 'Strikethrough' },
      { name: 'code', action: 'Inline code' },
      { name: 'link', action: 'Add or edit a link' },
      { name: 'linkBubble', action: 'On a link: to its bubble (open, edit, remove; Escape comes back)' },
    ],
  },
  {
    title: 'Blocks',
    shortcuts: [
      { name: 'heading1', action: 'Heading 1' },
      { name: 'heading2', action: 'Heading 2' },
      { name: 'heading3', action: 'Heading 3' },
      { name: 'bulletList', action: 'Bullet list' },
      { name: 'orderedList', action: 'Numbered list' },
      { name: 'taskList', action: 'Task list' },
      { name: 'blockquote', action: 'Quote' },
      { name: 'codeBlock', action: 'Code block' },
      { name: 'slashMenu', action: 'Menu of blocks, at the start of a line or after a space (arrows, Enter; Escape closes)' },
    ],
  },
  {
    title: 'Find and replace',
    shortcuts: [
      { name: 'find', action: 'Find in the document' },
      { name: 'replace', action: 'Find and replace' },
      { name: 'findNext', action: 'Next match (in the find field)' },
      { name: 'findPrevious', action: 'Previous match (in the find field)' },
      { name: 'closeFind', action: 'Close find, back to the document' },
    ],
  },
  {
    title: 'Document',
    shortcuts: [
      { name: 'undo', action: 'Undo your last change' },
      { name: 'redo', action: 'Redo' },
      { name: 'comment', action: 'Comment on the selection' },
      { name: 'versionHistory', action: 'Version history' },
      { name: 'shortcuts', action: 'This list of shortcuts' },
    ],
  },
];

/** Whether a keyboard event is the shortcut (letters and "/" compared by key, any case). */
export function matchesShortcut(event: KeyboardEvent, shortcut: string): boolean {
  const keys = shortcut.split('-');
  const key = keys[keys.length - 1];
  const wants = new Set(keys.slice(0, -1));
  if ((event.ctrlKey || event.metaKey) !== wants.has('Mod')) return false;
  if (event.altKey !== wants.has('Alt') || event.shiftKey !== wants.has('Shift')) return false;
  return event.key.toLowerCase() === key.toLowerCase();
}

/** True on Apple platforms, where "Mod" is the Command key. */
function isApplePlatform(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** How a person reads the shortcut: "Ctrl+Shift+7", or "⌘⇧7" on a Mac. */
export function shortcutLabel(shortcut: string): string {
  const keys = shortcut.split('-');
  if (isApplePlatform()) {
    const symbols: Record<string, string> = { Mod: '⌘', Shift: '⇧', Alt: '⌥' };
    return keys.map((key) => symbols[key] ?? key).join('');
  }
  return keys.map((key) => (key === 'Mod' ? 'Ctrl' : key)).join('+');
}

/** The shortcut as aria-keyshortcuts wants it: "Control+Shift+7" (or "Meta+..."). */
export function ariaKeyShortcut(shortcut: string): string {
  const mod = isApplePlatform() ? 'Meta' : 'Control';
  return shortcut
    .split('-')
    .map((key) => (key === 'Mod' ? mod : key))
    .join('+');
}
