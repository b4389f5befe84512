/**
 * Light and dark themes: the person's choice (System, Light or Dark) is kept in localStorage;
 * the resolved theme is `data-theme` on <html>, which app/globals.css turns into colours. An
 * inline script (THEME_BOOT_SCRIPT) applies it before the first paint and follows the system
 * setting afterwards, so a page never flashes the wrong theme.
 */

/** What the person chose. */
export type ThemePreference = 'system' | 'light' | 'dark';
/** What the page shows. */
export type Theme = 'light' | 'dark';

/** The choices, in the order the toggle shows them, with their labels. */
export const THEME_PREFERENCES: readonly { value: ThemePreference; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** localStorage key of the choice. */
export const THEME_STORAGE_KEY = 'tandem:theme';
/** The media query for the system's dark setting. */
export const DARK_SCHEME_QUERY = '(prefers-color-scheme: dark)';

/** The stored choice; anything unknown (or nothing) means follow the system. */
export function parseThemePreference(raw: string | null): ThemePreference {
  return raw === 'light' || raw === 'dark' ? raw : 'system';
}

/** The theme to show for a choice, given whether the system prefers dark. */
export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): Theme {
  if (preference === 'system') return systemPrefersDark ? 'dark' : 'light';
  return preference;
}

/**
 * Runs in <head> before anything paints: sets data-theme from the stored choice and the
 * system setting, and again whenever either changes (another tab, the OS switching to dark).
 * Kept tiny and dependency-free; lib/prefs/theme.test.ts checks it agrees with resolveTheme.
 */
export const THEME_BOOT_SCRIPT = `(function () {
  var key = ${JSON.stringify(THEME_STORAGE_KEY)};
  var query = window.matchMedia(${JSON.stringify(DARK_SCHEME_QUERY)});
  function apply() {
    var choice = null;
    try { choice = window.localStorage.getItem(key); } catch (error) { choice = null; /* storage blocked: follow the system */ }
    var theme = choice === 'light' || choice === 'dark' ? choice : (query.matches ? 'dark' : 'light');
    document.documentElement.setAttribute('data-theme', theme);
  }
  apply();
  query.addEventListener('change', apply);
  window.addEventListener('storage', function (event) { if (event.key === key || event.key === null) apply(); });
})();`;
