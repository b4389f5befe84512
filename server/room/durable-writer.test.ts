/**
 * The durable write path in-process: a room on memory storage whose writes and flushes the
 * test holds, fails or lets through, and fake connections recording what they are sent. What
 * it proves is what a person relies on: "Saved" only for what is flushed, in order, never for
 * a failed write or flush; nobody sees a change before it is written, joiners included; the
 * next batch is written and forwarded while a flush runs; a viewer writes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../lib/protocol/close-codes';
import { createLogger } from '../log';
import { createMetrics, type Metrics } from '../metrics';
import { MessageType, SyncMessageType } from '../../lib/protocol/sync-protocol';
import { decodeClientMessage, encodeSyncStep1, encodeSyncUpdate } from '../protocol';
import { createMemoryStorage } from '../storage/memory';
import type { DocumentLog } from '../storage';
import { StorageHealth } from '../storage-health';
import { fakeConnection, type FakeConnection } from '../testing/fake-connection';
import { Room } from './room';

const logger = createLogger('silent');
const limits = { rootNames: new Set(['default', 'title', 'text']), maxNestingDepth: 64, maxStructs: 500_000, maxTitleLength: 0, titleRootName: 'title' };

/**
 * Memory storage whose writes wait for `release()` (or fail while `failing` is set), and whose
 * flushes wait for `releaseFlushes()` while `holdingFlushes` is set (or fail while
 * `failingFlushes` is set when they would complete).
 */
function heldStorage() {
  const inner = createMemoryStorage();
  const waiting: (() => void)[] = [];
  const waitingFlushes: (() => void)[] = [];
  const control = { holding: true, failing: false, appends: 0, holdingFlushes: false, failingFlushes: false };
  const flushed = async () => {
    if (control.holdingFlushes) await new Promise<void>((resolve) => waitingFlushes.push(resolve));
    if (control.failingFlushes) throw new Error('fsync: input/output error');
  };
  const storage: DocumentLog = {
    ...inner,
    appendInStages(room, update) {
      const written = (async () => {
        control.appends += 1;
        if (control.failing) throw new Error('disk on fire');
        if (control.holding) await new Promise<void>((resolve) => waiting.push(resolve));
        return inner.append(room, update);
      })();
      const flush = written.then(flushed);
      flush.catch(() => {});
      return { written, flushed: flush };
    },
  };
  const release = () => {
    control.holding = false;
    for (const resolve of waiting.splice(0)) resolve();
  };
  const releaseFlushes = () => {
    control.holdingFlushes = false;
    for (const resolve of waitingFlushes.splice(0)) resolve();
  };
  return { storage, inner, control, release, releaseFlushes };
}

const rooms: Room[] = [];
afterEach(() => {
  for (const room of rooms.splice(0)) room.destroy();
});

async function roomOn(storage: DocumentLog, extra: { health?: StorageHealth; metrics?: Metrics; onStorageFailed?: (room: Room) => void } = {}) {
  const metrics = extra.metrics ?? createMetrics();
  const room = await Room.load({
    name: 'r',
    storage,
    logger,
    metrics,
    compactAfterUpdates: 500,
    maxDocumentBytes: 1 << 20,
    limits,
    storageHealth: extra.health,
    onStorageFailed: extra.onStorageFailed,
  });
  rooms.push(room);
  return { room, metrics };
}

/** `count` editors joined to `room`, in order. */
function joined(room: Room, count: number): FakeConnection[] {
  return Array.from({ length: count }, () => {
    const connection = fakeConnection();
    room.join(connection);
    return connection;
  });
}

/** A typed change as a stock client would send it, and the doc that made it. */
function edit(text: string, doc = new Y.Doc()) {
  const before = Y.encodeStateVector(doc);
  doc.getText('text').insert(doc.getText('text').length, text);
  return { update: Y.encodeStateAsUpdate(doc, before), doc };
}

const updateMessage = (update: Uint8Array) => decodeClientMessage(encodeSyncUpdate(update));
const step1 = (stateVector: Uint8Array) => decodeClientMessage(encodeSyncStep1(stateVector));
/** Lets the write turn run and every promise it started settle. */
const turn = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/** The counts of the SAVED acks a connection was sent: `[100, varuint N]`, N < 128 here. */
const savedCounts = (connection: FakeConnection) =>
  connection.sent.filter((frame) => frame[0] === MessageType.SAVED).map((frame) => frame[1]);
/** Document updates (sync messages of type update) a connection was sent. */
const updatesSent = (connection: FakeConnection) => connection.sent.filter((frame) => frame[0] === 0 && frame[1] === SyncMessageType.UPDATE);
const answersSent = (connection: FakeConnection) => connection.sent.filter((frame) => frame[0] === 0 && frame[1] === SyncMessageType.STEP2);

describe('the durable write path', () => {
  it('forwards a change only once it is written', async () => {
    const { storage, inner, release } = heldStorage();
    const { room } = await roomOn(storage);
    const [alice, bob] = joined(room, 2);
    room.handle(alice, updateMessage(edit('hello').update));
    await turn();
    expect(room.doc.getText('text').toString()).toBe('hello');
    expect(room.hasUnstoredChanges).toBe(true);
    expect(savedCounts(alice)).toEqual([]);
    expect(updatesSent(bob)).toHaveLength(0);
    release();
    await room.whenStored();
    await turn();
    expect(savedCounts(alice)).toEqual([1]);
    expect(updatesSent(bob)).toHaveLength(1);
    expect(updatesSent(alice)).toHaveLength(0);
    const stored = new Y.Doc();
    for (const update of (await inner.load('r')).updates) Y.applyUpdate(stored, update);
    expect(stored.getText('text').toString()).toBe('hello');
  });

  it('acknowledges in the order messages arrived, one batch per turn, with exact counts', async () => {
    const { storage, release } = heldStorage();
    const { room } = await roomOn(storage);
    const alice = fakeConnection();
    room.join(alice);
    const doc = new Y.Doc();
    room.handle(alice, updateMessage(edit('a', doc).update));
    await turn();
    // The first batch is being stored; these two wait and form the next batch.
    room.handle(alice, updateMessage(edit('b', doc).update));
    room.handle(alice, updateMessage(edit('c', doc).update));
    release();
    await room.whenStored();
    await turn();
    expect(savedCounts(alice)).toEqual([1, 3]);
    expect(room.doc.getText('text').toString()).toBe('abc');
  });

  it('acknowledges a written change only once it is flushed, and writes and forwards the next batch meanwhile', async () => {
    const { storage, control, release, releaseFlushes } = heldStorage();
    control.holdingFlushes = true;
    release();
    const { room } = await roomOn(storage);
    const [alice, bob] = joined(room, 2);
    const doc = new Y.Doc();
    room.handle(alice, updateMessage(edit('a', doc).update));
    await room.whenStored();
    await turn();
    expect(updatesSent(bob)).toHaveLength(1);
    expect(savedCounts(alice)).toEqual([]);
    // The first flush is still running: the next batch is written and forwarded all the same.
    room.handle(alice, updateMessage(edit('b', doc).update));
    await room.whenStored();
    await turn();
    expect(updatesSent(bob)).toHaveLength(2);
    expect(savedCounts(alice)).toEqual([]);
    releaseFlushes();
    await turn();
    expect(savedCounts(alice)).toEqual([1, 2]);
  });

  it('acknowledges in order even when a later batch is flushed first', async () => {
    const inner = createMemoryStorage();
    const flushes: { resolve: () => void }[] = [];
    const storage: DocumentLog = {
      ...inner,
      appendInStages(room, update) {
        const written = inner.append(room, update);
        const flushed = written.then(() => new Promise<void>((resolve) => flushes.push({ resolve })));
        return { written, flushed };
      },
    };
    const { room } = await roomOn(storage);
    const [alice] = joined(room, 1);
    const doc = new Y.Doc();
    room.handle(alice, updateMessage(edit('a', doc).update));
    await room.whenStored();
    room.handle(alice, updateMessage(edit('b', doc).update));
    await room.whenStored();
    await expect.poll(() => flushes.length).toBe(2);
    flushes[1].resolve();
    await turn();
    expect(savedCounts(alice)).toEqual([]);
    flushes[0].resolve();
    await turn();
    expect(savedCounts(alice)).toEqual([1, 2]);
  });

  it('gives the room up when a flush fails, acknowledging nothing from then on', async () => {
    const { storage, control, release, releaseFlushes } = heldStorage();
    control.holdingFlushes = true;
    release();
    let failed: Room | null = null;
    const { room } = await roomOn(storage, { onStorageFailed: (gone) => (failed = gone) });
    const [alice, bob] = joined(room, 2);
    const doc = new Y.Doc();
    room.handle(alice, updateMessage(edit('shown to bob, not yet on disk', doc).update));
    await room.whenStored();
    room.handle(alice, updateMessage(edit(' and more', doc).update));
    await room.whenStored();
    expect(updatesSent(bob)).toHaveLength(2);
    control.failingFlushes = true;
    releaseFlushes();
    await turn();
    expect(failed).toBe(room);
    expect(savedCounts(alice)).toEqual([]);
  });

  it('retries a failing append and acknowledges nothing until it is stored', async () => {
    const { storage, control, release } = heldStorage();
    release();
    control.failing = true;
    const { room } = await roomOn(storage);
    const [alice, bob] = joined(room, 2);
    room.handle(alice, updateMessage(edit('kept').update));
    await expect.poll(() => control.appends, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(savedCounts(alice)).toEqual([]);
    expect(updatesSent(bob)).toHaveLength(0);
    control.failing = false;
    await room.whenStored();
    await turn();
    expect(savedCounts(alice)).toEqual([1]);
    expect(updatesSent(bob)).toHaveLength(1);
  });

  it('gives up after STORAGE_FAILURE_TIMEOUT_MS without acknowledging or forwarding anything', async () => {
    const { storage, control, release } = heldStorage();
    release();
    control.failing = true;
    const health = new StorageHealth({ storage, logger, maxStorageBytes: 0, minFreeDiskBytes: 0, maxQueuedBytes: 1 << 20, storageFailureTimeoutMs: 300 });
    let failed: Room | null = null;
    const { room } = await roomOn(storage, { health, onStorageFailed: (gone) => (failed = gone) });
    const [alice, bob] = joined(room, 2);
    room.handle(alice, updateMessage(edit('lost on the server, kept by alice').update));
    await room.whenStored();
    expect(failed).toBe(room);
    expect(savedCounts(alice)).toEqual([]);
    expect(updatesSent(bob)).toHaveLength(0);
  });

  it('holds a sync step 1 answer until the change already applied is stored', async () => {
    const { storage, release } = heldStorage();
    const { room } = await roomOn(storage);
    const alice = fakeConnection();
    const carol = fakeConnection();
    room.join(alice);
    room.join(carol);
    room.handle(alice, updateMessage(edit('not yet stored').update));
    await turn();
    room.handle(carol, step1(new Uint8Array([0])));
    expect(answersSent(carol)).toHaveLength(0);
    release();
    await room.whenStored();
    expect(answersSent(carol)).toHaveLength(1);
    const seen = new Y.Doc();
    const message = decodeClientMessage(answersSent(carol)[0]);
    if (message.kind !== 'sync-step2' || message.empty) throw new Error('expected a sync step 2 with content');
    Y.applyUpdate(seen, message.update);
    expect(seen.getText('text').toString()).toBe('not yet stored');
  });

  it('answers a sync step 1 at once when nothing is being stored', async () => {
    const { storage, release } = heldStorage();
    release();
    const { room } = await roomOn(storage);
    const carol = fakeConnection();
    room.join(carol);
    room.handle(carol, step1(new Uint8Array([0])));
    expect(answersSent(carol)).toHaveLength(1);
  });

  it("never applies, stores or forwards a view connection's update", async () => {
    const { storage, inner, release } = heldStorage();
    release();
    const { room } = await roomOn(storage);
    const viewer = fakeConnection({ role: 'view' });
    const alice = fakeConnection();
    room.join(viewer);
    room.join(alice);
    room.handle(viewer, updateMessage(edit('vandalism').update));
    await turn();
    await room.whenStored();
    expect(room.doc.getText('text').toString()).toBe('');
    expect((await inner.load('r')).updates).toHaveLength(0);
    expect(updatesSent(alice)).toHaveLength(0);
    expect(savedCounts(viewer)).toEqual([]);
  });

  it('closes the sender of an update over MAX_DOCUMENT_BYTES (4413) and stores nothing of it', async () => {
    const { storage, inner, release } = heldStorage();
    release();
    const metrics = createMetrics();
    const room = await Room.load({ name: 'r', storage, logger, metrics, compactAfterUpdates: 500, maxDocumentBytes: 64, limits });
    rooms.push(room);
    const alice = fakeConnection({ metrics });
    room.join(alice);
    room.handle(alice, updateMessage(edit('x'.repeat(200)).update));
    await room.whenStored();
    expect(alice.closedWith).toBe(CloseCode.DOCUMENT_TOO_LARGE);
    expect(alice.refusals.map((refusal) => refusal.reason)).toEqual(['document_too_large']);
    expect((await inner.load('r')).updates).toHaveLength(0);
  });

  it('publishes a stored change to its listeners before any member is sent it', async () => {
    const { storage, release } = heldStorage();
    release();
    const { room } = await roomOn(storage);
    const [alice, bob] = joined(room, 2);
    const seenByBobWhenPublished: number[] = [];
    room.onStored(() => seenByBobWhenPublished.push(updatesSent(bob).length));
    room.handle(alice, updateMessage(edit('shared').update));
    await room.whenStored();
    expect(seenByBobWhenPublished).toEqual([0]);
    expect(updatesSent(bob)).toHaveLength(1);
  });

  it('forwards and acknowledges a stored change even when a stored-change listener throws', async () => {
    const { storage, release } = heldStorage();
    release();
    const { room } = await roomOn(storage);
    const [alice, bob] = joined(room, 2);
    room.onStored(() => {
      throw new Error('redis client bug');
    });
    room.handle(alice, updateMessage(edit('still shared').update));
    await room.whenStored();
    await turn();
    expect(savedCounts(alice)).toEqual([1]);
    expect(updatesSent(bob)).toHaveLength(1);
    expect(alice.closedWith).toBeNull();
  });
});
