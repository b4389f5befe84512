'use client';
import { THEME_PREFERENCES } from '../lib/prefs/theme';
import { useThemePreference } from './hooks/use-theme-preference';

/** System / Light / Dark: three pressed-state buttons; the choice is remembered here. */
export function ThemeToggle() {
  const [preference, choose] = useThemePreference();
  return (
    <div role="group" aria-label="Theme" className="theme-toggle">
      {THEME_PREFERENCES.map(({ value, label }) => (
        <button key={value} type="button" aria-pressed={preference === value} onClick={() => choose(value)}>
          {label}
        </button>
      ))}
    </div>
  );
}
