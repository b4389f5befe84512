/** The "Show authors" choice: off by default, remembered when turned on or off again. */
import { describe, expect, it } from 'vitest';
import { SHOW_AUTHORS_STORAGE_KEY, loadShowAuthors, saveShowAuthors } from './show-authors';

function createStore(initial: Record<string, string> = {}) {
  const items = new Map<string, string>(Object.entries(initial));
  return { items, getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
}

describe('show authors preference', () => {
  it('is off when nothing (or anything unknown) is stored', () => {
    expect(loadShowAuthors(createStore())).toBe(false);
    expect(loadShowAuthors(createStore({ [SHOW_AUTHORS_STORAGE_KEY]: 'true' }))).toBe(false);
  });

  it('remembers on and off', () => {
    const store = createStore();
    saveShowAuthors(store, true);
    expect(loadShowAuthors(store)).toBe(true);
    saveShowAuthors(store, false);
    expect(loadShowAuthors(store)).toBe(false);
    expect(store.items.get(SHOW_AUTHORS_STORAGE_KEY)).toBe('off');
  });
});
