import type { UnsavedCountStore } from './save-tracker';

/**
 * How long a changed count may wait before it is written. Whether there are unsaved changes at
 * all is written at once; only the exact number waits, so typing does not write localStorage
 * on every keystroke.
 */
export const UNSAVED_COUNT_WRITE_DELAY_MS = 1_000;

/**
 * Keeps a room's unsaved-change count in localStorage, so a reopened tab still knows it. A
 * change between zero and non-zero is written at once (a crash right after still leaves "there
 * are unsaved changes" behind); other changes are written after UNSAVED_COUNT_WRITE_DELAY_MS, or
 * on flush() (the page calls it on pagehide, the tracker on detach).
 */
export function localUnsavedCountStore(store: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, room: string): UnsavedCountStore & { flush(): void; clear(): void } {
  const key = `tandem:unsaved:${room}`;
  let written = readCount(store.getItem(key));
  let held: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const write = (count: number) => {
    if (timer) clearTimeout(timer);
    timer = null;
    held = null;
    if (count > 0) store.setItem(key, String(count));
    else store.removeItem(key);
    written = count;
  };

  return {
    load() {
      written = readCount(store.getItem(key));
      return written;
    },
    save(count) {
      if (count > 0 !== written > 0) {
        write(count);
        return;
      }
      held = count;
      timer ??= setTimeout(() => {
        if (held !== null) write(held);
      }, UNSAVED_COUNT_WRITE_DELAY_MS);
    },
    flush() {
      if (held !== null) write(held);
    },
    /** Forgets the count, and any write held back (the document was deleted: nothing is unsaved). */
    clear() {
      write(0);
    },
  };
}

function readCount(value: string | null): number {
  const count = Number(value);
  return Number.isInteger(count) && count > 0 ? count : 0;
}
