'use client';
import { useCallback, useSyncExternalStore } from 'react';
import { DARK_SCHEME_QUERY, parseThemePreference, resolveTheme, THEME_STORAGE_KEY, type ThemePreference } from '../../lib/prefs/theme';
import { notifyLocalStorageChange, subscribeToLocalStorage } from './local-storage-events';

const subscribe = (onChange: () => void) => subscribeToLocalStorage(THEME_STORAGE_KEY, onChange);
const getSnapshot = (): ThemePreference => parseThemePreference(window.localStorage.getItem(THEME_STORAGE_KEY));

/**
 * The theme choice (System until chosen) and a setter that remembers it and applies it at
 * once; the boot script in app/layout.tsx applies it on later visits and follows the system.
 */
export function useThemePreference(): [ThemePreference, (next: ThemePreference) => void] {
  const preference = useSyncExternalStore(subscribe, getSnapshot, () => 'system' as const);
  const choose = useCallback((next: ThemePreference) => {
    if (next === 'system') window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, next);
    document.documentElement.setAttribute('data-theme', resolveTheme(next, window.matchMedia(DARK_SCHEME_QUERY).matches));
    notifyLocalStorageChange(THEME_STORAGE_KEY);
  }, []);
  return [preference, choose];
}
