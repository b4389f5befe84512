/**
 * The shortcuts table (components/toolbar/shortcuts.ts) the toolbar's tooltips, the page's own
 * keys and the shortcuts dialog all read: the dialog's groups list every shortcut exactly once,
 * and a key event matches a shortcut only with exactly its modifiers.
 */
import { describe, expect, it } from 'vitest';
import { matchesShortcut, SHORTCUT_GROUPS, SHORTCUTS, shortcutLabel } from '../components/toolbar/shortcuts';

const key = (init: Partial<KeyboardEvent>) => ({ ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, key: '', ...init }) as KeyboardEvent;

describe('the shortcuts table', () => {
  it('has every shortcut in exactly one group of the dialog', () => {
    const listed = SHORTCUT_GROUPS.flatMap((group) => group.shortcuts.map((shortcut) => shortcut.name));
    expect([...listed].sort()).toEqual(Object.keys(SHORTCUTS).sort());
  });

  it('matches a key event with exactly the shortcut’s modifiers, Ctrl or ⌘ for Mod', () => {
    expect(matchesShortcut(key({ ctrlKey: true, key: 'f' }), SHORTCUTS.find)).toBe(true);
    expect(matchesShortcut(key({ metaKey: true, key: 'F' }), SHORTCUTS.find)).toBe(true);
    expect(matchesShortcut(key({ ctrlKey: true, shiftKey: true, key: 'F' }), SHORTCUTS.find)).toBe(false);
    expect(matchesShortcut(key({ key: 'f' }), SHORTCUTS.find)).toBe(false);
    expect(matchesShortcut(key({ ctrlKey: true, key: '/' }), SHORTCUTS.shortcuts)).toBe(true);
    expect(matchesShortcut(key({ ctrlKey: true, altKey: true, shiftKey: true, key: 'H' }), SHORTCUTS.versionHistory)).toBe(true);
  });

  it('names keys as people read them (outside a Mac)', () => {
    expect(shortcutLabel(SHORTCUTS.replace)).toBe('Ctrl+H');
    expect(shortcutLabel(SHORTCUTS.findPrevious)).toBe('Shift+Enter');
    expect(shortcutLabel(SHORTCUTS.shortcuts)).toBe('Ctrl+/');
  });
});
