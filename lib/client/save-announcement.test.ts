import { describe, expect, it } from 'vitest';
import type { SaveState } from './save-tracker';
import { SaveAnnouncements, SaveAnnouncer } from './save-announcement';

/** Feeds the states in order and returns what was announced at each step (null: nothing). */
function announced(states: SaveState[]): (string | null)[] {
  const announcer = new SaveAnnouncer();
  return states.map((state) => announcer.next(state));
}

const saving: SaveState = { kind: 'saving' };
const saved: SaveState = { kind: 'saved' };
const connecting: SaveState = { kind: 'connecting' };
const offline = (unsavedCount: number): SaveState => ({ kind: 'offline', unsavedCount });

describe('what a screen reader is told about saving', () => {
  it('says nothing while a person types and every change is stored', () => {
    expect(announced([connecting, saved, saving, saved, saving, saving, saved, saving, saved])).toEqual(Array(9).fill(null));
  });

  it('says once that the connection was lost, not again for every change kept offline', () => {
    expect(announced([saved, offline(0), offline(1), offline(2), offline(3)])).toEqual([
      null,
      'Offline — changes are kept on this device',
      null,
      null,
      null,
    ]);
  });

  it('says all is saved once the changes kept offline are stored, after sending them', () => {
    expect(announced([saved, offline(2), connecting, saving, saving, saved, saving, saved])).toEqual([
      null,
      'Offline — changes are kept on this device',
      null,
      null,
      null,
      'All changes saved',
      null,
      null,
    ]);
  });

  it('says why changes are not saved, again when the reason changes, and when they are saved after all', () => {
    const refused = (reason: string): SaveState => ({ kind: 'not-saved', reason });
    expect(announced([saved, refused('the server cannot store changes'), refused('the server cannot store changes'), refused('storage is full'), saving, saved])).toEqual([
      null,
      'Not saved — the server cannot store changes',
      null,
      'Not saved — storage is full',
      null,
      'All changes saved',
    ]);
  });

  it('says nothing about the first connection of a page, even one that opens offline', () => {
    expect(announced([connecting, offline(0)])).toEqual([null, 'Offline — changes are kept on this device']);
    expect(announced([connecting, connecting, saved])).toEqual([null, null, null]);
  });
});

describe('the announcements of one tracker, as React reads them', () => {
  it('feeds each state once however many listen, and tells every listener', () => {
    let state: SaveState = saved;
    const trackerListeners = new Set<() => void>();
    const tracker = {
      getState: () => state,
      subscribe: (listener: () => void) => {
        trackerListeners.add(listener);
        return () => trackerListeners.delete(listener);
      },
    };
    const change = (next: SaveState) => {
      state = next;
      for (const listener of trackerListeners) listener();
    };
    const announcements = new SaveAnnouncements(tracker);
    let told = 0;
    const stopFirst = announcements.subscribe(() => told++);
    const stopSecond = announcements.subscribe(() => told++);
    expect(trackerListeners.size).toBe(1);

    change(saving);
    change(saved);
    expect(announcements.getSnapshot()).toBe('');
    change(offline(1));
    change(offline(2));
    expect(announcements.getSnapshot()).toBe('Offline — changes are kept on this device');
    expect(told).toBe(2);

    stopFirst();
    change(saved);
    expect(announcements.getSnapshot()).toBe('All changes saved');
    stopSecond();
    expect(trackerListeners.size).toBe(0);
  });
});
