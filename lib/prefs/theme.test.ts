/**
 * Theme choice: parsing the stored choice, resolving it against the system setting, and the
 * inline boot script (run in a VM with a fake document) agreeing with resolveTheme.
 */
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  parseThemePreference,
  resolveTheme,
  THEME_BOOT_SCRIPT,
  THEME_PREFERENCES,
  THEME_STORAGE_KEY,
  type ThemePreference,
} from './theme';

describe('parseThemePreference', () => {
  it('reads light and dark, and follows the system for anything else', () => {
    expect(parseThemePreference('light')).toBe('light');
    expect(parseThemePreference('dark')).toBe('dark');
    expect(parseThemePreference('system')).toBe('system');
    expect(parseThemePreference(null)).toBe('system');
    expect(parseThemePreference('DARK')).toBe('system');
  });
});

describe('resolveTheme', () => {
  it('uses an explicit choice whatever the system says, else the system', () => {
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
  });

  it('offers System, Light and Dark', () => {
    expect(THEME_PREFERENCES.map((p) => p.label)).toEqual(['System', 'Light', 'Dark']);
  });
});

/** Runs the boot script against a fake page; returns the page's handles. */
function bootPage(stored: string | null, systemDark: boolean, { storageThrows = false } = {}) {
  const attributes = new Map<string, string>();
  const mediaListeners: (() => void)[] = [];
  const windowListeners = new Map<string, ((event: { key: string | null }) => void)[]>();
  const storage = new Map<string, string>(stored === null ? [] : [[THEME_STORAGE_KEY, stored]]);
  const query = { matches: systemDark, addEventListener: (_: string, listener: () => void) => mediaListeners.push(listener) };
  const window = {
    matchMedia: () => query,
    localStorage: {
      getItem: (key: string) => {
        if (storageThrows) throw new Error('SecurityError');
        return storage.get(key) ?? null;
      },
    },
    addEventListener: (type: string, listener: (event: { key: string | null }) => void) =>
      windowListeners.set(type, [...(windowListeners.get(type) ?? []), listener]),
  };
  const document = { documentElement: { setAttribute: (name: string, value: string) => attributes.set(name, value) } };
  vm.runInNewContext(THEME_BOOT_SCRIPT, { window, document });
  return {
    theme: () => attributes.get('data-theme'),
    setSystemDark(dark: boolean) {
      query.matches = dark;
      mediaListeners.forEach((listener) => listener());
    },
    storeFromAnotherTab(value: string) {
      storage.set(THEME_STORAGE_KEY, value);
      windowListeners.get('storage')?.forEach((listener) => listener({ key: THEME_STORAGE_KEY }));
    },
  };
}

describe('THEME_BOOT_SCRIPT', () => {
  it('sets the same theme as resolveTheme for every stored choice and system setting', () => {
    for (const stored of [null, 'system', 'light', 'dark', 'nonsense']) {
      for (const systemDark of [false, true]) {
        const expected = resolveTheme(parseThemePreference(stored), systemDark);
        expect(bootPage(stored, systemDark).theme(), `${stored} / dark=${systemDark}`).toBe(expected);
      }
    }
  });

  it('follows the system switching while the page is open, unless a theme was chosen', () => {
    const following = bootPage('system', false);
    following.setSystemDark(true);
    expect(following.theme()).toBe('dark');
    const chosen = bootPage('light', false);
    chosen.setSystemDark(true);
    expect(chosen.theme()).toBe('light');
  });

  it('applies a choice made in another tab, and follows the system when storage is blocked', () => {
    const page = bootPage(null, false);
    page.storeFromAnotherTab('dark' satisfies ThemePreference);
    expect(page.theme()).toBe('dark');
    expect(bootPage(null, true, { storageThrows: true }).theme()).toBe('dark');
  });
});
