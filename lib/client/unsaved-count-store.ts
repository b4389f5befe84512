import type { UnsavedCountStore } from './save-tracker';

/** Keeps a room's unsaved-change count in localStorage, so a reopened tab still knows it. */
export function localUnsavedCountStore(store: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, room: string): UnsavedCountStore {
  const key = `tandem:unsaved:${room}`;
  return {
    load() {
      const value = Number(store.getItem(key));
      return Number.isInteger(value) && value > 0 ? value : 0;
    },
    save(count) {
      if (count > 0) store.setItem(key, String(count));
      else store.removeItem(key);
    },
  };
}
