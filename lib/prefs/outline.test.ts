/** The outline panel's open or folded choice: unchosen by default, remembered once chosen. */
import { describe, expect, it } from 'vitest';
import { OUTLINE_STORAGE_KEY, loadOutlineOpen, saveOutlineOpen } from './outline';

function createStore(initial: Record<string, string> = {}) {
  const items = new Map<string, string>(Object.entries(initial));
  return { items, getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
}

describe('outline preference', () => {
  it('is unchosen when nothing (or anything unknown) is stored', () => {
    expect(loadOutlineOpen(createStore())).toBeNull();
    expect(loadOutlineOpen(createStore({ [OUTLINE_STORAGE_KEY]: 'true' }))).toBeNull();
  });

  it('remembers open and folded', () => {
    const store = createStore();
    saveOutlineOpen(store, true);
    expect(loadOutlineOpen(store)).toBe(true);
    saveOutlineOpen(store, false);
    expect(loadOutlineOpen(store)).toBe(false);
    expect(store.items.get(OUTLINE_STORAGE_KEY)).toBe('closed');
  });
});
