/**
 * The storage contract (server/storage/types.ts), run against every backend, in its two parts:
 * the document log (ordered appends, isolated rooms, compaction that folds what storage holds
 * and keeps later entries) and the link store (view links); and for SQLite and PostgreSQL,
 * durability of both across reopening. PostgreSQL runs when TEST_DATABASE_URL
 * is set (a fresh schema per test, dropped afterwards), with its cross-instance compaction
 * lock. Payloads are real Yjs updates, so "what load returns rebuilds the document" is
 * checked, not just byte equality.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { adminQuery, createTestSchema, POSTGRES_SKIP_REASON, TEST_DATABASE_URL, type TestSchema } from '../../test/support/postgres';
import { createMemoryStorage } from './memory';
import { COMPACTION_LOCK_CLASS, openPostgresStorage } from './postgres';
import { openSqliteStorage } from './sqlite';
import { PROBE_ROOM, type DocumentStorage, type FoldUpdates } from './types';

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

/** Folds like a room does: load everything into a fresh doc and encode it. */
const foldDoc = (updates: Uint8Array[]): Uint8Array => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return Y.encodeStateAsUpdate(doc);
};

/** foldDoc that also records what it was given. */
function recordingFold() {
  const calls: Uint8Array[][] = [];
  const fold = (updates: Uint8Array[]): Uint8Array => {
    calls.push(updates.map((update) => update.slice()));
    return foldDoc(updates);
  };
  return { fold, calls };
}

/** Opens a store per test with `open` and closes every one after the test (call inside a describe). */
function openedPerTest(open: () => Promise<OpenedStorage>): () => Promise<OpenedStorage> {
  const opened: DocumentStorage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
  });
  return async () => {
    const result = await open();
    opened.push(result.storage);
    return result;
  };
}

/** The document-log half of the contract (DocumentLog), which every backend must pass. */
function describeDocumentLogContract(name: string, open: () => Promise<OpenedStorage>) {
  describe(`${name} document log contract`, () => {
    const openStorage = openedPerTest(open);

    it('loads an unknown room as empty with head 0', async () => {
      const { storage } = await openStorage();
      expect(await storage.load('never-written')).toEqual({ updates: [], head: 0, logLength: 0, bindings: [] });
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
      expect(await storage.load('room-c')).toEqual({ updates: [], head: 0, logLength: 0, bindings: [] });

      // Compacting one room leaves the other untouched.
      expect(await storage.compact('room-a', foldDoc)).toMatchObject({ folded: 2 });
      expect(bytes((await storage.load('room-b')).updates)).toEqual(bytes(loadedB.updates));
    });

    it('treats room ids as exact keys (no prefix or case folding)', async () => {
      const { storage } = await openStorage();
      await storage.append('room', createWriter().edit((t) => t.insert(0, 'x')));
      expect((await storage.load('room2')).logLength).toBe(0);
      expect((await storage.load('Room')).logLength).toBe(0);
      expect((await storage.load('roo')).logLength).toBe(0);
    });

    it('compaction folds the snapshot and log into one snapshot and reports what it folded', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      const first = writer.edit((t) => t.insert(0, 'one '));
      const second = writer.edit((t) => t.insert(4, 'two '));
      await storage.append('room', first);
      const head = await storage.append('room', second);
      const { fold, calls } = recordingFold();

      const result = await storage.compact('room', fold);
      expect(calls.map(bytes)).toEqual([bytes([first, second])]);
      const snapshot = foldDoc([first, second]);
      expect(result).toEqual({
        folded: 2,
        foldedBytes: first.byteLength + second.byteLength,
        snapshotBytes: snapshot.byteLength,
        waitedForLock: false,
      });
      const loaded = await storage.load('room');
      expect(bytes(loaded.updates)).toEqual(bytes([snapshot]));
      expect(loaded).toMatchObject({ head, logLength: 0 });

      // An edit after it lands on top of the snapshot.
      const later = writer.edit((t) => t.insert(8, 'three'));
      const laterHead = await storage.append('room', later);
      expect(laterHead).toBeGreaterThan(head);
      const after = await storage.load('room');
      expect(bytes(after.updates)).toEqual(bytes([snapshot, later]));
      expect(after).toMatchObject({ head: laterHead, logLength: 1 });
      expect(rebuild(after.updates)).toBe('one two three');
    });

    it('an append racing a compaction is kept', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'before ')));
      await storage.append('room', writer.edit((t) => t.insert(7, 'and ')));
      const racing = writer.edit((t) => t.insert(11, 'during'));
      await Promise.all([storage.compact('room', foldDoc), storage.append('room', racing)]);
      expect(rebuild((await storage.load('room')).updates)).toBe('before and during');
      await storage.compact('room', foldDoc);
      const loaded = await storage.load('room');
      expect(loaded.logLength).toBe(0);
      expect(rebuild(loaded.updates)).toBe('before and during');
    });

    it('a second compaction folds the first snapshot together with the newer log', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'first')));
      await storage.compact('room', foldDoc);
      const firstSnapshot = (await storage.load('room')).updates[0];
      const newer = writer.edit((t) => t.insert(5, ' second'));
      const head = await storage.append('room', newer);
      const { fold, calls } = recordingFold();

      expect(await storage.compact('room', fold)).toMatchObject({ folded: 1 });
      expect(calls.map(bytes)).toEqual([bytes([firstSnapshot, newer])]);
      const loaded = await storage.load('room');
      expect(loaded.updates).toHaveLength(1);
      expect(loaded).toMatchObject({ head, logLength: 0 });
      expect(rebuild(loaded.updates)).toBe('first second');
    });

    it('compacting an empty log does nothing and never calls fold', async () => {
      const { storage } = await openStorage();
      const { fold, calls } = recordingFold();
      expect(await storage.compact('never-written', fold)).toBeNull();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'once')));
      await storage.compact('room', foldDoc);
      const before = await storage.load('room');
      expect(await storage.compact('room', fold)).toBeNull();
      expect(calls).toHaveLength(0);
      expect(bytes((await storage.load('room')).updates)).toEqual(bytes(before.updates));
      expect(await storage.load('never-written')).toEqual({ updates: [], head: 0, logLength: 0, bindings: [] });
    });

    it('an asynchronous fold (on the worker thread) keeps what is appended while it runs', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'folded ')));
      const during = writer.edit((t) => t.insert(7, 'appended meanwhile'));
      let appended: Promise<number> | null = null;
      const slowFold: FoldUpdates = async (updates) => {
        appended = storage.append('room', during);
        await appended;
        return foldDoc(updates);
      };
      expect(await storage.compact('room', slowFold)).toMatchObject({ folded: 1 });
      const loaded = await storage.load('room');
      expect(loaded.logLength).toBe(1);
      expect(loaded.head).toBe(await appended!);
      expect(rebuild(loaded.updates)).toBe('folded appended meanwhile');
      await expect(storage.compact('room', async () => Promise.reject(new Error('worker died')))).rejects.toThrow('worker died');
      expect(rebuild((await storage.load('room')).updates)).toBe('folded appended meanwhile');
    });

    it('two overlapping compactions of one room, the older finishing last, lose nothing', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'one ')));
      let releaseSlow: (() => void) | null = null;
      const slowFold: FoldUpdates = async (updates) => {
        await new Promise<void>((resolve) => (releaseSlow = resolve));
        return foldDoc(updates);
      };
      const slow = storage.compact('room', slowFold);
      await storage.append('room', writer.edit((t) => t.insert(4, 'two ')));
      // Where compactions of a room are serialized (PostgreSQL's lock) this one waits for the slow one.
      const fast = storage.compact('room', foldDoc);
      await storage.append('room', writer.edit((t) => t.insert(8, 'three')));
      while (!releaseSlow) await new Promise((resolve) => setTimeout(resolve, 10));
      (releaseSlow as () => void)();
      await Promise.all([slow, fast]);
      expect(rebuild((await storage.load('room')).updates)).toBe('one two three');
      await storage.compact('room', foldDoc);
      expect(rebuild((await storage.load('room')).updates)).toBe('one two three');
    });

    it('a fold that throws changes nothing', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, 'kept')));
      await storage.append('room', writer.edit((t) => t.insert(4, ' as is')));
      const before = await storage.load('room');
      await expect(
        storage.compact('room', () => {
          throw new Error('would not load');
        }),
      ).rejects.toThrow('would not load');
      const after = await storage.load('room');
      expect(bytes(after.updates)).toEqual(bytes(before.updates));
      expect(after).toMatchObject({ head: before.head, logLength: 2 });
    });

    it('concurrent compactions of one room, with appends between them, lose nothing', async () => {
      const { storage } = await openStorage();
      const writer = createWriter();
      const expected: string[] = [];
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i++) {
        const word = `w${i} `;
        expected.push(word);
        work.push(storage.append('room', writer.edit((t) => t.insert(t.length, word))));
        work.push(storage.compact('room', foldDoc));
      }
      await Promise.all(work);
      expect(rebuild((await storage.load('room')).updates)).toBe(expected.join(''));
    });

    it('keeps appends to other rooms out of a compaction', async () => {
      const { storage } = await openStorage();
      const a = createWriter();
      const b = createWriter();
      await storage.append('room-a', a.edit((t) => t.insert(0, 'A1')));
      // room-b's entry gets a position below room-a's compaction head.
      await storage.append('room-b', b.edit((t) => t.insert(0, 'B1')));
      await storage.append('room-a', a.edit((t) => t.insert(2, 'A2')));
      expect(await storage.compact('room-a', foldDoc)).toMatchObject({ folded: 2 });
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

    it('a write probe resolves and leaves nothing behind', async () => {
      const { storage } = await openStorage();
      await storage.append('room', createWriter().edit((t) => t.insert(0, 'kept')));
      await expect(storage.probeWrite()).resolves.toBeUndefined();
      expect((await storage.load(PROBE_ROOM)).updates).toHaveLength(0);
      expect(rebuild((await storage.load('room')).updates)).toBe('kept');
    });

    it('tells whether a room holds anything, before and after compaction folds its log away', async () => {
      const { storage } = await openStorage();
      expect(await storage.holdsRoom('room')).toBe(false);
      await storage.append('other', createWriter().edit((t) => t.insert(0, 'elsewhere')));
      expect(await storage.holdsRoom('room')).toBe(false);
      await storage.append('room', createWriter().edit((t) => t.insert(0, 'kept')));
      expect(await storage.holdsRoom('room')).toBe(true);
      expect(await storage.holdsRoom('Room')).toBe(false);
      await storage.compact('room', recordingFold().fold);
      expect((await storage.load('room')).logLength).toBe(0);
      expect(await storage.holdsRoom('room')).toBe(true);
    });

    it('counts the bytes it holds: used bytes grow with what is appended', async () => {
      const { storage } = await openStorage();
      const before = await storage.usedBytes();
      expect(before).toBeGreaterThanOrEqual(0);
      // Random text, so no backend can compress it away (PostgreSQL TOASTs large values).
      const writer = createWriter();
      await storage.append('room', writer.edit((t) => t.insert(0, randomBytes(150_000).toString('base64'))));
      expect(await storage.usedBytes()).toBeGreaterThanOrEqual(before + 100_000);
    });

    it('reports free disk space only where the database is a local file', async () => {
      const { storage } = await openStorage();
      const free = await storage.freeDiskBytes();
      if (name === 'sqlite') expect(free).toBeGreaterThan(0);
      else expect(free).toBeNull();
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

  });
}

/** The link-store half of the contract (LinkStore), which every backend must pass. */
function describeLinkStoreContract(name: string, open: () => Promise<OpenedStorage>) {
  describe(`${name} link store contract`, () => {
    const openStorage = openedPerTest(open);

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
      await storage.append('room', writer.edit((t) => t.insert(4, ' across')));
      await storage.compact('room', foldDoc);
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

describeDocumentLogContract('memory', async () => ({ storage: createMemoryStorage() }));
describeLinkStoreContract('memory', async () => ({ storage: createMemoryStorage() }));

function openTempSqlite(): Required<OpenedStorage> {
  const file = path.join(makeTempDir(), 'tandem.db');
  return { storage: openSqliteStorage(file), reopen: async () => openSqliteStorage(file) };
}

describeDocumentLogContract('sqlite', async () => openTempSqlite());
describeLinkStoreContract('sqlite', async () => openTempSqlite());
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

const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const schema of schemas.splice(0)) await schema.drop();
});

/** A fresh schema per test: the suite reuses room names, and other files run meanwhile. */
async function openTempPostgres(): Promise<Required<OpenedStorage>> {
  const schema = await createTestSchema('storage');
  schemas.push(schema);
  return { storage: await openPostgresStorage(schema.url), reopen: () => openPostgresStorage(schema.url) };
}

if (TEST_DATABASE_URL) {
  describeDocumentLogContract('postgres', openTempPostgres);
  describeLinkStoreContract('postgres', openTempPostgres);
  describeDurableStorageContract('postgres', openTempPostgres);

  describe('postgres storage with several instances', () => {
    const opened: DocumentStorage[] = [];
    const clients: pg.Client[] = [];
    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close();
      for (const client of clients.splice(0)) await client.end().catch(() => {});
    });

    async function twoInstances() {
      const schema = await createTestSchema('instances');
      schemas.push(schema);
      // Started together, like instances behind one load balancer: migrations must not race.
      const [a, b] = await Promise.all([openPostgresStorage(schema.url), openPostgresStorage(schema.url)]);
      opened.push(a, b);
      const raw = new pg.Client({ connectionString: schema.url });
      await raw.connect();
      clients.push(raw);
      return { a, b, raw, schema };
    }

    it('migrates once: a third instance finds the schema current', async () => {
      const { raw, schema } = await twoInstances();
      opened.push(await openPostgresStorage(schema.url));
      const { rows } = await raw.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
    });

    it("does not hold one room's append behind another room's slow one", async () => {
      const schema = await createTestSchema('slow');
      schemas.push(schema);
      const storage = await openPostgresStorage(schema.url);
      opened.push(storage);
      // Every INSERT of room 'slow' takes 2 s (a lock wait, a slow disk); other rooms' are quick.
      await adminQuery(`
        CREATE FUNCTION ${schema.name}.slow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.room = 'slow' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$;
        CREATE TRIGGER slow BEFORE INSERT ON ${schema.name}.room_updates FOR EACH ROW EXECUTE FUNCTION ${schema.name}.slow();`);
      let slowStored = false;
      const slow = storage.append('slow', createWriter().edit((t) => t.insert(0, 'slow'))).then(() => (slowStored = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await storage.append('fast', createWriter().edit((t) => t.insert(0, 'fast')));
      expect(slowStored).toBe(false);
      await slow;
      expect(rebuild((await storage.load('slow')).updates)).toBe('slow');
    });

    it('sees what another instance stored, and compacts it too', async () => {
      const { a, b } = await twoInstances();
      const writer = createWriter();
      await a.append('room', writer.edit((t) => t.insert(0, 'from A ')));
      await b.append('room', writer.edit((t) => t.insert(7, 'from B')));
      expect(rebuild((await a.load('room')).updates)).toBe('from A from B');
      expect(await a.compact('room', foldDoc)).toMatchObject({ folded: 2 });
      const loaded = await b.load('room');
      expect(loaded.logLength).toBe(0);
      expect(rebuild(loaded.updates)).toBe('from A from B');
    });

    it('a compaction waits while another instance holds the room, and says so', async () => {
      const { a, raw } = await twoInstances();
      const writer = createWriter();
      await a.append('room', writer.edit((t) => t.insert(0, 'locked')));
      await raw.query('BEGIN');
      await raw.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [COMPACTION_LOCK_CLASS, 'room']);
      let finished = false;
      const compaction = a.compact('room', foldDoc).finally(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(finished).toBe(false);
      expect((await a.load('room')).logLength).toBe(1);
      await raw.query('COMMIT');
      expect(await compaction).toMatchObject({ folded: 1, waitedForLock: true });
      expect(rebuild((await a.load('room')).updates)).toBe('locked');
    });

    it('a holder that dies frees the room at once', async () => {
      const { a, raw, schema } = await twoInstances();
      await a.append('room', createWriter().edit((t) => t.insert(0, 'freed')));
      await raw.query('BEGIN');
      await raw.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [COMPACTION_LOCK_CLASS, 'room']);
      const { rows } = await raw.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const compaction = a.compact('room', foldDoc);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Like a crashed instance: its session ends without a commit.
      const killer = new pg.Client({ connectionString: schema.url });
      await killer.connect();
      clients.push(killer);
      raw.on('error', () => {});
      await killer.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      expect(await compaction).toMatchObject({ folded: 1, waitedForLock: true });
    });

    it('an entry committed late under a lower id than the folded ones still loads', async () => {
      const { a, raw } = await twoInstances();
      const writer = createWriter();
      const early = writer.edit((t) => t.insert(0, 'slow '));
      const fast = writer.edit((t) => t.insert(5, 'fast'));
      // Another instance's append takes its id first but commits after a compaction.
      await raw.query('BEGIN');
      await raw.query('INSERT INTO room_updates (room, data) VALUES ($1, $2)', ['room', Buffer.from(early)]);
      await a.append('room', fast);
      expect(await a.compact('room', foldDoc)).toMatchObject({ folded: 1 });
      await raw.query('COMMIT');
      const loaded = await a.load('room');
      expect(loaded.logLength).toBe(1);
      expect(rebuild(loaded.updates)).toBe('slow fast');
    });
  });
} else {
  describe('postgres storage contract', () => {
    it.skip(POSTGRES_SKIP_REASON, () => {});
  });
}
