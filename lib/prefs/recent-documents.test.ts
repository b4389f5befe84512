/**
 * Recent documents: newest first, reopening moves a document to the top without duplicating
 * it, the list stays bounded, and malformed stored data is dropped instead of thrown.
 */
import { describe, expect, it } from 'vitest';
import {
  forgetRecentDocument,
  MAX_RECENT_DOCUMENTS,
  RECENT_DOCUMENTS_STORAGE_KEY,
  parseRecentDocuments,
  recordRecentDocument,
  recordRecentDocumentTitle,
} from './recent-documents';

/** The Storage subset the module takes, backed by a Map. */
function createStore(raw?: string) {
  const items = new Map<string, string>();
  if (raw !== undefined) items.set(RECENT_DOCUMENTS_STORAGE_KEY, raw);
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

type Store = ReturnType<typeof createStore>;
const storedRooms = (store: Store) => parseRecentDocuments(store.getItem(RECENT_DOCUMENTS_STORAGE_KEY)).map((d) => d.room);

describe('recordRecentDocument', () => {
  it('starts a list from nothing', () => {
    const store = createStore();
    expect(recordRecentDocument(store, 'room-a', 1_000)).toEqual([{ room: 'room-a', openedAt: 1_000 }]);
    expect(JSON.parse(store.items.get(RECENT_DOCUMENTS_STORAGE_KEY) ?? '')).toEqual([{ room: 'room-a', openedAt: 1_000 }]);
  });

  it('keeps the newest first', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1_000);
    recordRecentDocument(store, 'room-b', 2_000);
    const list = recordRecentDocument(store, 'room-c', 3_000);
    expect(list.map((d) => d.room)).toEqual(['room-c', 'room-b', 'room-a']);
    expect(storedRooms(store)).toEqual(['room-c', 'room-b', 'room-a']);
  });

  it('moves a reopened document to the top without duplicating it', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1_000);
    recordRecentDocument(store, 'room-b', 2_000);
    recordRecentDocument(store, 'room-c', 3_000);
    const list = recordRecentDocument(store, 'room-a', 4_000);
    expect(list).toEqual([
      { room: 'room-a', openedAt: 4_000 },
      { room: 'room-c', openedAt: 3_000 },
      { room: 'room-b', openedAt: 2_000 },
    ]);
    expect(storedRooms(store)).toEqual(['room-a', 'room-c', 'room-b']);
  });

  it('reopening the top document only refreshes its time', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1_000);
    expect(recordRecentDocument(store, 'room-a', 5_000)).toEqual([{ room: 'room-a', openedAt: 5_000 }]);
  });

  it(`caps the list at ${MAX_RECENT_DOCUMENTS}, dropping the oldest`, () => {
    const store = createStore();
    const total = MAX_RECENT_DOCUMENTS + 5;
    let list: ReturnType<typeof recordRecentDocument> = [];
    for (let i = 1; i <= total; i++) list = recordRecentDocument(store, `room-${i}`, i * 1_000);
    expect(list).toHaveLength(MAX_RECENT_DOCUMENTS);
    expect(list[0].room).toBe(`room-${total}`);
    expect(list.at(-1)?.room).toBe(`room-${total - MAX_RECENT_DOCUMENTS + 1}`);
    expect(list.map((d) => d.room)).not.toContain('room-1');
    expect(JSON.parse(store.items.get(RECENT_DOCUMENTS_STORAGE_KEY) ?? '')).toHaveLength(MAX_RECENT_DOCUMENTS);
  });

  it('reopening an old document in a full list keeps the length and brings it back to the top', () => {
    const store = createStore();
    for (let i = 1; i <= MAX_RECENT_DOCUMENTS; i++) recordRecentDocument(store, `room-${i}`, i * 1_000);
    const list = recordRecentDocument(store, 'room-1', 999_000);
    expect(list).toHaveLength(MAX_RECENT_DOCUMENTS);
    expect(list[0]).toEqual({ room: 'room-1', openedAt: 999_000 });
    expect(list.filter((d) => d.room === 'room-1')).toHaveLength(1);
  });

  it('defaults the time to now', () => {
    const before = Date.now();
    const [entry] = recordRecentDocument(createStore(), 'room-a');
    expect(entry.openedAt).toBeGreaterThanOrEqual(before);
    expect(entry.openedAt).toBeLessThanOrEqual(Date.now());
  });

  it('replaces a corrupt stored list instead of throwing', () => {
    const store = createStore('{not json');
    expect(recordRecentDocument(store, 'room-a', 1_000)).toEqual([{ room: 'room-a', openedAt: 1_000 }]);
    expect(storedRooms(store)).toEqual(['room-a']);
  });
});

describe('parseRecentDocuments', () => {
  it('returns an empty list for nothing stored', () => {
    expect(parseRecentDocuments(null)).toEqual([]);
    expect(parseRecentDocuments('')).toEqual([]);
  });

  it.each([
    ['not JSON', '{"room":'],
    ['JSON null', 'null'],
    ['an object', JSON.stringify({ room: 'room-a', openedAt: 1 })],
    ['a string', JSON.stringify('room-a')],
    ['a number', '42'],
  ])('returns an empty list for %s', (_label, raw) => {
    expect(parseRecentDocuments(raw)).toEqual([]);
  });

  it('drops malformed entries and keeps the good ones', () => {
    const raw = JSON.stringify([
      { room: 'good-1', openedAt: 2_000 },
      { room: '../etc/passwd', openedAt: 3_000 },
      { room: 'has space', openedAt: 3_000 },
      { room: '', openedAt: 3_000 },
      { room: 'x'.repeat(129), openedAt: 3_000 },
      { room: 42, openedAt: 3_000 },
      { openedAt: 3_000 },
      { room: 'no-time' },
      { room: 'string-time', openedAt: '3000' },
      { room: 'null-time', openedAt: null },
      null,
      'good-2',
      7,
      [],
      { room: 'good-2', openedAt: 1_000 },
    ]);
    expect(parseRecentDocuments(raw)).toEqual([
      { room: 'good-1', openedAt: 2_000 },
      { room: 'good-2', openedAt: 1_000 },
    ]);
  });

  it('drops non-finite times (which JSON can only spell as strings or null)', () => {
    // JSON.stringify turns NaN and Infinity into null; a hand edit could also write 1e999.
    expect(parseRecentDocuments('[{"room":"big","openedAt":1e999},{"room":"ok","openedAt":5}]')).toEqual([
      { room: 'ok', openedAt: 5 },
    ]);
  });

  it('keeps the stored order (the order of opening), even when the clock jumped back', () => {
    const store = createStore();
    recordRecentDocument(store, 'first', 1_000);
    recordRecentDocument(store, 'second', 500);
    expect(parseRecentDocuments(store.getItem(RECENT_DOCUMENTS_STORAGE_KEY)).map((d) => d.room)).toEqual([
      'second',
      'first',
    ]);
  });

  it(`keeps at most ${MAX_RECENT_DOCUMENTS} of an oversized stored list, the first (newest) ones`, () => {
    const raw = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ room: `room-${i}`, openedAt: 50 - i })));
    const list = parseRecentDocuments(raw);
    expect(list).toHaveLength(MAX_RECENT_DOCUMENTS);
    expect(list[0].room).toBe('room-0');
    expect(list.at(-1)?.room).toBe(`room-${MAX_RECENT_DOCUMENTS - 1}`);
  });

  it('refuses to record an invalid room id', () => {
    const store = createStore(JSON.stringify([{ room: 'keep', openedAt: 1 }]));
    expect(recordRecentDocument(store, 'bad/room', 2).map((d) => d.room)).toEqual(['keep']);
    expect(store.items.get(RECENT_DOCUMENTS_STORAGE_KEY)).not.toContain('bad/room');
  });

  it('recording over malformed entries keeps only the valid ones', () => {
    const store = createStore(JSON.stringify([{ room: 'a/b', openedAt: 1 }, { room: 'keep', openedAt: 2 }]));
    expect(recordRecentDocument(store, 'new', 3).map((d) => d.room)).toEqual(['new', 'keep']);
    expect(store.items.get(RECENT_DOCUMENTS_STORAGE_KEY)).not.toContain('a/b');
  });
});

describe('recordRecentDocumentTitle', () => {
  it('stores the title of a listed document without moving it', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1_000);
    recordRecentDocument(store, 'room-b', 2_000);
    expect(recordRecentDocumentTitle(store, 'room-a', '  Field   notes ')).toEqual([
      { room: 'room-b', openedAt: 2_000 },
      { room: 'room-a', openedAt: 1_000, title: 'Field notes' },
    ]);
    expect(parseRecentDocuments(store.getItem(RECENT_DOCUMENTS_STORAGE_KEY))[1].title).toBe('Field notes');
  });

  it('an emptied title goes back to untitled; reopening keeps the last title seen', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1_000);
    recordRecentDocumentTitle(store, 'room-a', 'Plan');
    expect(recordRecentDocument(store, 'room-a', 2_000)).toEqual([{ room: 'room-a', openedAt: 2_000, title: 'Plan' }]);
    expect(recordRecentDocumentTitle(store, 'room-a', '   ')).toEqual([{ room: 'room-a', openedAt: 2_000 }]);
  });

  it('writes nothing for an unlisted room or an unchanged title', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1_000);
    recordRecentDocumentTitle(store, 'room-a', 'Plan');
    const before = store.items.get(RECENT_DOCUMENTS_STORAGE_KEY);
    store.setItem = () => {
      throw new Error('must not write');
    };
    expect(recordRecentDocumentTitle(store, 'room-a', 'Plan')).toHaveLength(1);
    expect(recordRecentDocumentTitle(store, 'room-z', 'Other')).toHaveLength(1);
    expect(store.items.get(RECENT_DOCUMENTS_STORAGE_KEY)).toBe(before);
  });

  it('drops a stored title that is not a string', () => {
    expect(parseRecentDocuments('[{"room":"a","openedAt":1,"title":42}]')).toEqual([{ room: 'a', openedAt: 1 }]);
  });
});

describe('forgetRecentDocument', () => {
  it('takes a deleted document off the list, keeping the others in order', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1);
    recordRecentDocument(store, 'room-b', 2);
    recordRecentDocument(store, 'room-c', 3);
    expect(forgetRecentDocument(store, 'room-b').map((d) => d.room)).toEqual(['room-c', 'room-a']);
    expect(storedRooms(store)).toEqual(['room-c', 'room-a']);
  });

  it('writes nothing for a room that is not listed', () => {
    const store = createStore();
    recordRecentDocument(store, 'room-a', 1);
    const writes: string[] = [];
    const watched = { ...store, getItem: store.getItem, setItem: (key: string, value: string) => writes.push(value) };
    expect(forgetRecentDocument(watched, 'room-z').map((d) => d.room)).toEqual(['room-a']);
    expect(writes).toEqual([]);
  });
});
