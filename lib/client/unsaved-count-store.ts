import type { UnsavedCountStore } from './save-tracker';

/**
 * How long a changed count waits before it is written. Typing with the server answering
 * changes the count from 0 to 1 and back on every keystroke, within milliseconds: only a count
 * that stands for this long (the server is slow or unreachable) is worth writing.
 */
export const UNSAVED_COUNT_WRITE_DELAY_MS = 1_000;

/**
 * Keeps a room's unsaved-change count in localStorage, so a reopened tab can say how many
 * changes it still holds while offline. A count is written once it has stood for
 * UNSAVED_COUNT_WRITE_DELAY_MS, or on flush() (the page calls it on pagehide, the tracker on
 * detach); a count that returns to what is written meanwhile writes nothing, so typing never
 * writes localStorage. Zero after a written count is written at once (a stale count would
 * claim unsaved changes that are stored). A tab that crashes within the delay leaves no count,
 * and loses nothing: the changes are in its IndexedDB copy, and the reopened tab, which loads
 * that copy before it connects, holds "Saved" back until the server has acknowledged the sync
 * that carries them (lib/client/save-tracker.ts).
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
      if (count === written) {
        if (timer) clearTimeout(timer);
        timer = null;
        held = null;
        return;
      }
      if (count === 0) {
        write(0);
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
