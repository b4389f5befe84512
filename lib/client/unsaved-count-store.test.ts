/**
 * The unsaved-change count in localStorage: whether there are unsaved changes is written at
 * once, the exact number after a short delay or on flush, so typing does not write on every
 * keystroke. A Map stands in for localStorage; the clock is Vitest's fake one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { localUnsavedCountStore, UNSAVED_COUNT_WRITE_DELAY_MS } from './unsaved-count-store';

const KEY = 'tandem:unsaved:room-1';

/** localStorage's three methods over a Map, counting writes. */
function memoryStorage() {
  const items = new Map<string, string>();
  const storage = {
    writes: 0,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => {
      storage.writes++;
      items.set(key, value);
    },
    removeItem: (key: string) => {
      storage.writes++;
      items.delete(key);
    },
  };
  return storage;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('localUnsavedCountStore', () => {
  it('writes nothing while each change is saved within the delay, as when typing with the server answering', () => {
    const storage = memoryStorage();
    const store = localUnsavedCountStore(storage, 'room-1');
    expect(store.load()).toBe(0);
    for (let keystroke = 0; keystroke < 100; keystroke++) {
      store.save(1);
      vi.advanceTimersByTime(20);
      store.save(0);
      vi.advanceTimersByTime(80);
    }
    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.writes).toBe(0);
    expect(storage.getItem(KEY)).toBeNull();
  });

  it('writes a count that stands for the delay, so a tab closed or crashed after that leaves it behind', () => {
    const storage = memoryStorage();
    const store = localUnsavedCountStore(storage, 'room-1');
    store.save(1);
    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.getItem(KEY)).toBe('1');
    expect(localUnsavedCountStore(storage, 'room-1').load()).toBe(1);
  });

  it('holds back further counts: one write per delay however fast the typing', () => {
    const storage = memoryStorage();
    const store = localUnsavedCountStore(storage, 'room-1');
    for (let count = 1; count <= 50; count++) store.save(count);
    expect(storage.writes).toBe(0);

    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.writes).toBe(1);
    expect(storage.getItem(KEY)).toBe('50');
    for (let count = 51; count <= 80; count++) store.save(count);
    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.writes).toBe(2);
    expect(storage.getItem(KEY)).toBe('80');
  });

  it('writes a held count on flush (the page flushes on pagehide)', () => {
    const storage = memoryStorage();
    const store = localUnsavedCountStore(storage, 'room-1');
    store.save(1);
    store.save(2);
    store.save(3);
    store.flush();
    expect(storage.getItem(KEY)).toBe('3');
    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.writes).toBe(1);
  });

  it('removes a written count at once when everything is saved, and a held count never brings it back', () => {
    const storage = memoryStorage();
    const store = localUnsavedCountStore(storage, 'room-1');
    store.save(1);
    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.getItem(KEY)).toBe('1');
    store.save(2);
    store.save(0);
    expect(storage.getItem(KEY)).toBeNull();
    vi.advanceTimersByTime(UNSAVED_COUNT_WRITE_DELAY_MS);
    expect(storage.getItem(KEY)).toBeNull();
    expect(localUnsavedCountStore(storage, 'room-1').load()).toBe(0);
  });

  it('reads a count left by an earlier visit, and ignores anything that is not a positive whole number', () => {
    const storage = memoryStorage();
    storage.setItem(KEY, '7');
    expect(localUnsavedCountStore(storage, 'room-1').load()).toBe(7);
    for (const junk of ['-2', '1.5', 'many', '']) {
      storage.setItem(KEY, junk);
      expect(localUnsavedCountStore(storage, 'room-1').load()).toBe(0);
    }
  });
});
