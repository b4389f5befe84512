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
} as const;

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
