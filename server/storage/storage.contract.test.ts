/**
 * The storage contract (server/storage/types.ts), run against every backend: ordered appends,
 * isolated rooms, compaction that keeps later entries and ignores stale calls, and for SQLite,
 * durability across reopening the file. Payloads are real Yjs updates, so "what load returns
 * rebuilds the document" is checked, not just byte equality.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStorage } from './memory';
import { openSqliteStorage } from './sqlite';
import type { DocumentStorage } from './types';

interface OpenedStorage {
  storage: DocumentStorage;
  /** Closes and reopens the same durable store; absent for backends that are not durable. */
  reopen?: () => Promise<DocumentStorage>;
}

const tempDirs: string[] = [];
function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-storage-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A Y.Doc whose edits are captured as the updates a client would send. */
function createWriter() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = doc.getText('content');
  /** Applies one edit and returns the update it produced. */
  const edit = (change: (text: Y.Text) => void): Uint8Array => {
    const before = updates.length;
    change(text);
    expect(updates.length).toBe(before + 1);
    return updates[updates.length - 1];
  };
  return { doc, text, edit };
}

/** Applies stored updates, in order, to a fresh document and returns its text. */
function rebuild(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('content').toString();
}

const bytes = (updates: Uint8Array[]) => updates.map((update) => Array.from(update));

/** The contract every DocumentStorage implementation must pass. */
function describeStorageContract(name: string, open: () => Promise<OpenedStorage>) {
  describe(`${name} storage contract`, () => {
    const opened: DocumentStorage[] = [];
    async function openStorage(): Promise<OpenedStorage> {
      const result = await open();
      opened.push(result.storage);
      return result;
    }
    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close();
    });

    it('loads an unknown room as empty with head 0', async () => {
      const { storage } = await openStorage();
      expect(await storage.load('never-written')).toEqual({ updates: [], head: 0, logLength: 0 });
    });

    it('returns appends in order; head is the last append and logLength counts entries', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      const updates = [
        writer.edit((t) => t.insert(0, 'Hello')),
        writer.edit((t) => t.insert(5, ', world')),
        writer.edit((t) => t.delete(0, 1)),
        writer.edit((t) => t.insert(0, 'J')),
      ];
      const positions: number[] = [];
      for (const update of updates) positions.push(await storage.append('room-a', update));

      for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]);
      const loaded = await storage.load('room-a');
      expect(bytes(loaded.updates)).toEqual(bytes(updates));
      expect(loaded.head).toBe(positions.at(-1));
      expect(loaded.logLength).toBe(4);
      expect(rebuild(loaded.updates)).toBe('Jello, world');
      expect(writer.text.toString()).toBe('Jello, world');
    });

    it('returns copies: mutating a loaded or appended buffer does not change what is stored', async () => {
      const { storage } = await openStorage();
      const update = createWriter().edit((t) => t.insert(0, 'immutable'));
      const original = Array.from(update);
      await storage.append('room-copy', update);
      update.fill(0);
      const first = await storage.load('room-copy');
      first.updates[0].fill(0);
      const second = await storage.load('room-copy');
      expect(Array.from(second.updates[0])).toEqual(original);
      expect(rebuild(second.updates)).toBe('immutable');
    });

    it('keeps rooms isolated', async () => {
      const { storage } = await openStorage();
      const a = createWriter();
      const b = createWriter();
      await storage.append('room-a', a.edit((t) => t.insert(0, 'for A')));
      const headB = await storage.append('room-b', b.edit((t) => t.insert(0, 'for B')));
      await storage.append('room-a', a.edit((t) => t.insert(5, '!')));

      const loadedA = await storage.load('room-a');
      const loadedB = await storage.load('room-b');
      expect(rebuild(loadedA.updates)).toBe('for A!');
      expect(loadedA.logLength).toBe(2);
      expect(rebuild(loadedB.updates)).toBe('for B');
      expect(loadedB).toMatchObject({ head: headB, logLength: 1 });
      expect(await storage.load('room-c')).toEqual({ updates: [], head: 0, logLength: 0 });

      // Compacting one room leaves the other untouched.
      expect(await storage.compact('room-a', Y.encodeStateAsUpdate(a.doc), loadedA.head)).toBe(true);
      expect(bytes((await storage.load('room-b')).updates)).toEqual(bytes(loadedB.updates));
    });

    it('treats room ids as exact keys (no prefix or case folding)', async () => {
      const { storage } = await openStorage();
      await storage.append('room', createWriter().edit((t) => t.insert(0, 'x')));
      expect((await storage.load('room2')).logLength).toBe(0);
      expect((await storage.load('Room')).logLength).toBe(0);
      expect((await storage.load('roo')).logLength).toBe(0);
    });

    it('compaction replaces the entries up to head and keeps the ones appended after it', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'one ')));
      await storage.append('room', writer.edit((t) => t.insert(4, 'two ')));
      const { head: takenHead } = await storage.load('room');
      const snapshot = Y.encodeStateAsUpdate(writer.doc);

      // An edit lands while the snapshot is being built.
      const later = writer.edit((t) => t.insert(8, 'three'));
      const laterHead = await storage.append('room', later);

      expect(await storage.compact('room', snapshot, takenHead)).toBe(true);
      const loaded = await storage.load('room');
      expect(loaded.updates).toHaveLength(2);
      expect(bytes(loaded.updates)).toEqual(bytes([snapshot, later]));
      expect(loaded.logLength).toBe(1);
      expect(loaded.head).toBe(laterHead);
      expect(rebuild(loaded.updates)).toBe('one two three');
    });

    it('after compacting everything, head stays at the compacted position and appends continue after it', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'abc')));
      const head = await storage.append('room', writer.edit((t) => t.insert(3, 'def')));

      expect(await storage.compact('room', Y.encodeStateAsUpdate(writer.doc), head)).toBe(true);
      const compacted = await storage.load('room');
      expect(compacted).toMatchObject({ head, logLength: 0 });
      expect(compacted.updates).toHaveLength(1);
      expect(rebuild(compacted.updates)).toBe('abcdef');

      const next = await storage.append('room', writer.edit((t) => t.insert(6, 'ghi')));
      expect(next).toBeGreaterThan(head);
      const loaded = await storage.load('room');
      expect(loaded).toMatchObject({ head: next, logLength: 1 });
      expect(rebuild(loaded.updates)).toBe('abcdefghi');
    });

    it('a second compaction replaces the first snapshot', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      const first = await storage.append('room', writer.edit((t) => t.insert(0, 'first')));
      expect(await storage.compact('room', Y.encodeStateAsUpdate(writer.doc), first)).toBe(true);
      const second = await storage.append('room', writer.edit((t) => t.insert(5, ' second')));
      const snapshot = Y.encodeStateAsUpdate(writer.doc);
      expect(await storage.compact('room', snapshot, second)).toBe(true);

      const loaded = await storage.load('room');
      expect(bytes(loaded.updates)).toEqual(bytes([snapshot]));
      expect(loaded).toMatchObject({ head: second, logLength: 0 });
      expect(rebuild(loaded.updates)).toBe('first second');
    });

    it('ignores a stale compaction and changes nothing', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      const oldHead = await storage.append('room', writer.edit((t) => t.insert(0, 'old')));
      const staleSnapshot = Y.encodeStateAsUpdate(writer.doc);
      const newHead = await storage.append('room', writer.edit((t) => t.insert(3, ' new')));
      expect(await storage.compact('room', Y.encodeStateAsUpdate(writer.doc), newHead)).toBe(true);
      const tail = writer.edit((t) => t.insert(7, ' tail'));
      await storage.append('room', tail);
      const before = await storage.load('room');

      // A slow compaction that took its head before the newer one finishes last.
      expect(await storage.compact('room', staleSnapshot, oldHead)).toBe(false);
      const after = await storage.load('room');
      expect(bytes(after.updates)).toEqual(bytes(before.updates));
      expect(after).toMatchObject({ head: before.head, logLength: before.logLength });
      expect(rebuild(after.updates)).toBe('old new tail');
    });

    it('compacts a room with an empty log', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      writer.edit((t) => t.insert(0, 'imported'));
      const snapshot = Y.encodeStateAsUpdate(writer.doc);

      expect(await storage.compact('fresh-room', snapshot, 0)).toBe(true);
      const loaded = await storage.load('fresh-room');
      expect(bytes(loaded.updates)).toEqual(bytes([snapshot]));
      expect(loaded).toMatchObject({ head: 0, logLength: 0 });
      expect(rebuild(loaded.updates)).toBe('imported');

      const next = writer.edit((t) => t.insert(8, '!'));
      await storage.append('fresh-room', next);
      expect(rebuild((await storage.load('fresh-room')).updates)).toBe('imported!');
    });

    it('keeps appends to other rooms out of a compaction', async () => {
      const { storage } = await openStorage();
      const a = createWriter();
      const b = createWriter();
      await storage.append('room-a', a.edit((t) => t.insert(0, 'A1')));
      // room-b's entry gets a position below room-a's compaction head.
      await storage.append('room-b', b.edit((t) => t.insert(0, 'B1')));
      const headA = await storage.append('room-a', a.edit((t) => t.insert(2, 'A2')));
      expect(await storage.compact('room-a', Y.encodeStateAsUpdate(a.doc), headA)).toBe(true);
      const loadedB = await storage.load('room-b');
      expect(loadedB.logLength).toBe(1);
      expect(rebuild(loadedB.updates)).toBe('B1');
    });

    it('stores a large update intact', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      const big = 'lorem ipsum '.repeat(50_000);
      await storage.append('big', writer.edit((t) => t.insert(0, big)));
      expect(rebuild((await storage.load('big')).updates)).toBe(big);
    });

    it('ping resolves', async () => {
      const { storage } = await openStorage();
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('close is idempotent', async () => {
      const { storage } = await openStorage();
      await storage.append('room', createWriter().edit((t) => t.insert(0, 'x')));
      await expect(storage.close()).resolves.toBeUndefined();
      await expect(storage.close()).resolves.toBeUndefined();
    });

    it('names its backend', async () => {
      const { storage } = await openStorage();
      expect(storage.kind).toBe(name);
    });

    it('appends issued together from several rooms all land, in order per room', async () => {
      const { storage } = await openStorage();
      const writers = ['a', 'b', 'c'].map(() => createWriter());
      const appends = writers.flatMap((writer, w) =>
        [0, 1, 2].map((i) => storage.append(`room-${w}`, writer.edit((t) => t.insert(t.length, `${w}${i} `)))),
      );
      const heads = await Promise.all(appends);
      expect(new Set(heads).size).toBe(heads.length);
      for (let w = 0; w < writers.length; w++) {
        const loaded = await storage.load(`room-${w}`);
        expect(rebuild(loaded.updates)).toBe(`${w}0 ${w}1 ${w}2 `);
        expect(loaded.head).toBe(Math.max(...heads.slice(w * 3, w * 3 + 3)));
      }
    });

    it('keeps the first view id a room gets, whatever later candidates say', async () => {
      const { storage } = await openStorage();
      expect(await storage.roomForViewId('view-a')).toBeNull();
      expect(await storage.ensureViewId('room', 'view-a')).toBe('view-a');
      expect(await storage.ensureViewId('room', 'view-b')).toBe('view-a');
      expect(await storage.roomForViewId('view-a')).toBe('room');
      expect(await storage.roomForViewId('view-b')).toBeNull();
      expect(await storage.ensureViewId('other', 'view-c')).toBe('view-c');
      expect(await storage.roomForViewId('view-c')).toBe('other');
    });

    it('replacing a view id makes the old one stop resolving at once', async () => {
      const { storage } = await openStorage();
      await storage.ensureViewId('room', 'old-view');
      await storage.replaceViewId('room', 'new-view');
      expect(await storage.roomForViewId('old-view')).toBeNull();
      expect(await storage.roomForViewId('new-view')).toBe('room');
      expect(await storage.ensureViewId('room', 'ignored')).toBe('new-view');
    });
  });
}

/** The durability half of the contract, for backends that can be closed and reopened. */
function describeDurableStorageContract(name: string, open: () => Promise<Required<OpenedStorage>>) {
  describe(`${name} storage durability`, () => {
    const opened: DocumentStorage[] = [];
    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close();
    });

    it('keeps the log, snapshot and head across close and reopen', async () => {
      const { storage, reopen } = await open();
      opened.push(storage);
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'kept')));
      const head = await storage.append('room', writer.edit((t) => t.insert(4, ' across')));
      await storage.compact('room', Y.encodeStateAsUpdate(writer.doc), head);
      await storage.append('room', writer.edit((t) => t.insert(11, ' restarts')));
      await storage.append('other', createWriter().edit((t) => t.insert(0, 'other room')));
      await storage.ensureViewId('room', 'durable-view');
      const before = await storage.load('room');
      await storage.close();

      const reopened = await reopen();
      opened.push(reopened);
      const after = await reopened.load('room');
      expect(bytes(after.updates)).toEqual(bytes(before.updates));
      expect(after).toMatchObject({ head: before.head, logLength: 1 });
      expect(rebuild(after.updates)).toBe('kept across restarts');
      expect(rebuild((await reopened.load('other')).updates)).toBe('other room');
      expect(await reopened.roomForViewId('durable-view')).toBe('room');
      // Positions keep increasing after a reopen, so a later compaction cannot swallow new entries.
      const next = await reopened.append('room', writer.edit((t) => t.insert(0, '> ')));
      expect(next).toBeGreaterThan(before.head);
    });
  });
}

describeStorageContract('memory', async () => ({ storage: createMemoryStorage() }));

function openTempSqlite(): Required<OpenedStorage> {
  const file = path.join(makeTempDir(), 'tandem.db');
  return { storage: openSqliteStorage(file), reopen: async () => openSqliteStorage(file) };
}

describeStorageContract('sqlite', async () => openTempSqlite());
describeDurableStorageContract('sqlite', async () => openTempSqlite());

describe('sqlite storage file', () => {
  it('creates the file along with missing parent directories', async () => {
    const file = path.join(makeTempDir(), 'does', 'not', 'exist', 'yet', 'tandem.db');
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    const storage = openSqliteStorage(file);
    try {
      expect(fs.existsSync(file)).toBe(true);
      await storage.append('room', createWriter().edit((t) => t.insert(0, 'on disk')));
    } finally {
      await storage.close();
    }
    const reopened = openSqliteStorage(file);
    try {
      expect(rebuild((await reopened.load('room')).updates)).toBe('on disk');
    } finally {
      await reopened.close();
    }
  });

  it('survives a reopen that never closed the first handle (a crashed process)', async () => {
    const file = path.join(makeTempDir(), 'crash.db');
    const crashed = openSqliteStorage(file);
    const writer = createWriter();
    await crashed.append('room', writer.edit((t) => t.insert(0, 'durable')));
    // No close(): the append alone must have made the entry visible to a new connection.
    const survivor = openSqliteStorage(file);
    try {
      expect(rebuild((await survivor.load('room')).updates)).toBe('durable');
    } finally {
      await survivor.close();
      await crashed.close();
    }
  });
});
