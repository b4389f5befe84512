import { describe, expect, it } from 'vitest';
import type { SaveState } from './save-tracker';
import { ShownSaveState } from './shown-save-state';

const SETTLE_MS = 40;
const saving: SaveState = { kind: 'saving' };
const saved: SaveState = { kind: 'saved' };
const offline: SaveState = { kind: 'offline', unsavedCount: 1 };

/** A tracker's states as a store (what ShownSaveState reads), and the shown states as they change. */
function watch(first: SaveState) {
  let state = first;
  const listeners = new Set<() => void>();
  const tracker = {
    getState: () => state,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const shown = new ShownSaveState(tracker, SETTLE_MS);
  const seen: string[] = [];
  const stop = shown.subscribe(() => seen.push(shown.getSnapshot().kind));
  const set = (next: SaveState) => {
    state = next;
    for (const listener of listeners) listener();
  };
  return { shown, seen, set, stop, trackerListeners: listeners };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the save state the header shows', () => {
  it('stays "Saving…" while every keystroke is acknowledged before the next, then says "Saved" after the pause', async () => {
    const { shown, seen, set } = watch(saved);
    for (let key = 0; key < 5; key++) {
      set({ kind: 'saving' });
      await wait(2);
      set({ kind: 'saved' });
      await wait(SETTLE_MS / 4);
      expect(shown.getSnapshot().kind).toBe('saving');
    }
    expect(seen).toEqual(['saving']);
    await wait(SETTLE_MS * 2);
    expect(shown.getSnapshot().kind).toBe('saved');
    expect(seen).toEqual(['saving', 'saved']);
  });

  it('never shows "Saved" while the tracker is not saved, however long it waits', async () => {
    const { shown, set } = watch(saved);
    set(saving);
    set(saved);
    set(saving);
    await wait(SETTLE_MS * 2);
    expect(shown.getSnapshot().kind).toBe('saving');
  });

  it('shows every other change at once: going offline, and "Saved" after connecting', async () => {
    const { shown, seen, set } = watch({ kind: 'connecting' });
    set(saved);
    expect(shown.getSnapshot().kind).toBe('saved');
    set(saving);
    set(offline);
    expect(shown.getSnapshot()).toEqual(offline);
    expect(seen).toEqual(['saved', 'saving', 'offline']);
  });

  it('a pending "Saved" is dropped when the state moves on before it shows', async () => {
    const { shown, set } = watch(saving);
    set(saved);
    set(offline);
    await wait(SETTLE_MS * 2);
    expect(shown.getSnapshot()).toEqual(offline);
  });

  it('stops listening to the tracker, and its timer, when nobody listens', async () => {
    const { shown, set, stop, trackerListeners } = watch(saving);
    set(saved);
    stop();
    expect(trackerListeners.size).toBe(0);
    await wait(SETTLE_MS * 2);
    expect(shown.getSnapshot().kind).toBe('saving');
  });
});
