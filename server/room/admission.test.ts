/**
 * Admission in-process: each refusal comes with its close code and rejection reason, and what
 * is admitted is counted until it closes. The same refusals against a real server process,
 * through raw sockets, are in test/limits.test.ts, test/hostile-flow.test.ts and
 * test/hostile-transport.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../lib/protocol/close-codes';
import { DEFAULT_CONFIG } from '../config';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { decodeClientMessage, encodeSyncStep1, encodeSyncUpdate } from '../protocol';
import { createMemoryStorage } from '../storage/memory';
import { StorageHealth } from '../storage-health';
import { fakeConnection } from '../testing/fake-connection';
import { admitUpdate, FrameAdmission, IGNORED, ServerAdmission, type LoadedRooms } from './admission';

const logger = createLogger('silent');
const limits = { ...DEFAULT_CONFIG, maxConnectionsPerRoom: 2, maxConnectionsPerAddress: 3, maxRoomsPerAddress: 2, maxLoadedRooms: 2 };

/** Loaded rooms as the registry reports them: a member count per room, loaded names. */
function loadedRooms(members: Record<string, number>, loaded: string[], evictable = false): LoadedRooms & { evicted: number } {
  return {
    evicted: 0,
    memberCount: (room) => members[room] ?? 0,
    isLoaded: (room) => loaded.includes(room),
    get loadedCount() {
      return loaded.length;
    },
    evictIdleBlankRoom() {
      if (!evictable) return false;
      this.evicted += 1;
      return true;
    },
  };
}

const codeOf = (refusal: { code: number; reason: string } | null) => refusal && { code: refusal.code, reason: refusal.reason };

describe('ServerAdmission.admitConnection', () => {
  it('refuses a full room with 4509', () => {
    const admission = new ServerAdmission(limits, loadedRooms({ a: 2 }, ['a']), createMetrics());
    expect(codeOf(admission.admitConnection(fakeConnection({ roomName: 'a' }), '10.0.0.1'))).toEqual({ code: CloseCode.ROOM_FULL, reason: 'room_full' });
  });

  it("refuses an address past its connections, then past its rooms, with 4529; a closed connection gives its share back", () => {
    const admission = new ServerAdmission({ ...limits, maxConnectionsPerRoom: 10, maxLoadedRooms: 10 }, loadedRooms({}, ['a', 'b', 'c']), createMetrics());
    const admitted = ['a', 'a', 'b'].map((roomName) => fakeConnection({ roomName }));
    for (const connection of admitted) expect(admission.admitConnection(connection, '10.0.0.1')).toBeNull();
    expect(codeOf(admission.admitConnection(fakeConnection({ roomName: 'a' }), '10.0.0.1'))).toEqual({
      code: CloseCode.TOO_MANY_CONNECTIONS,
      reason: 'address_connections',
    });
    admitted[0].close(CloseCode.NORMAL);
    expect(codeOf(admission.admitConnection(fakeConnection({ roomName: 'c' }), '10.0.0.1'))).toEqual({
      code: CloseCode.TOO_MANY_CONNECTIONS,
      reason: 'address_rooms',
    });
    expect(admission.admitConnection(fakeConnection({ roomName: 'c' }), '10.0.0.2')).toBeNull();
  });

  it('refuses a room that would be one loaded room too many with 4508, unless an idle blank room makes way', () => {
    const busy = new ServerAdmission(limits, loadedRooms({}, ['a', 'b']), createMetrics());
    expect(codeOf(busy.admitConnection(fakeConnection({ roomName: 'c' }), '10.0.0.1'))).toEqual({ code: CloseCode.SERVER_BUSY, reason: 'server_busy' });
    expect(busy.admitConnection(fakeConnection({ roomName: 'a' }), '10.0.0.1')).toBeNull();
    const rooms = loadedRooms({}, ['a', 'b'], true);
    expect(new ServerAdmission(limits, rooms, createMetrics()).admitConnection(fakeConnection({ roomName: 'c' }), '10.0.0.1')).toBeNull();
    expect(rooms.evicted).toBe(1);
  });

  it('refuses to load another room when the heap is above ROOM_LOAD_HEAP_LIMIT_PERCENT (4508)', () => {
    const admission = new ServerAdmission({ ...limits, roomLoadHeapLimitPercent: 0 }, loadedRooms({}, ['a']), createMetrics());
    expect(codeOf(admission.admitConnection(fakeConnection({ roomName: 'new' }), '10.0.0.1'))).toEqual({
      code: CloseCode.SERVER_BUSY,
      reason: 'memory_pressure',
    });
    expect(admission.admitConnection(fakeConnection({ roomName: 'a' }), '10.0.0.1')).toBeNull();
  });
});

describe('FrameAdmission', () => {
  const frame = encodeSyncUpdate(Y.encodeStateAsUpdate(new Y.Doc()));

  it('refuses a text frame as malformed (4400)', () => {
    const frames = new FrameAdmission(limits, '10.0.0.1', 'edit', new ServerAdmission(limits, loadedRooms({}, []), createMetrics()).overBudget);
    expect(codeOf(frames.admitFrame(frame, false) as never)).toEqual({ code: CloseCode.MALFORMED_MESSAGE, reason: 'malformed' });
  });

  it('refuses bytes past the budget with 4429, and the address then starts without a burst', () => {
    const overBudget = new ServerAdmission(limits, loadedRooms({}, []), createMetrics()).overBudget;
    const small = { ...limits, byteRatePerSecond: 100, byteBurst: 1000 };
    const frames = new FrameAdmission(small, '10.0.0.1', 'edit', overBudget);
    const big = new Uint8Array(600);
    expect(frames.admitFrame(big, true)).toBe('decode');
    expect(codeOf(frames.admitFrame(big, true) as never)).toEqual({ code: CloseCode.RATE_LIMITED, reason: 'byte_budget' });
    const again = new FrameAdmission(small, '10.0.0.1', 'edit', overBudget);
    expect(codeOf(again.admitFrame(big, true) as never)).toEqual({ code: CloseCode.RATE_LIMITED, reason: 'byte_budget' });
    expect(new FrameAdmission(small, '10.0.0.2', 'edit', overBudget).admitFrame(big, true)).toBe('decode');
  });

  it("drops a viewer's document messages unread, says read-only, and closes the fourth with 4403", () => {
    const overBudget = new ServerAdmission(limits, loadedRooms({}, []), createMetrics()).overBudget;
    const frames = new FrameAdmission(limits, '10.0.0.1', 'view', overBudget);
    const verdicts = [1, 2, 3].map(() => frames.admitFrame(frame, true));
    expect(verdicts.every((verdict) => verdict === 'deny' || verdict === 'drop')).toBe(true);
    expect(codeOf(frames.admitFrame(frame, true) as never)).toEqual({ code: CloseCode.READ_ONLY_WRITES, reason: 'read_only_writes' });
    expect(new FrameAdmission(limits, '10.0.0.1', 'view', overBudget).admitFrame(encodeSyncStep1(new Uint8Array([0])), true)).toBe('decode');
  });

  it('refuses messages past their rate with 4429: updates, and sync step 1s on their own budget', () => {
    const overBudget = new ServerAdmission(limits, loadedRooms({}, []), createMetrics()).overBudget;
    const frames = new FrameAdmission({ ...limits, updateBurst: 2, syncStep1Burst: 1 }, '10.0.0.1', 'edit', overBudget);
    const update = decodeClientMessage(frame);
    const step1 = decodeClientMessage(encodeSyncStep1(new Uint8Array([0])));
    expect(frames.admitMessage(update, () => false)).toBeNull();
    expect(frames.admitMessage(update, () => false)).toBeNull();
    expect(codeOf(frames.admitMessage(update, () => false))).toEqual({ code: CloseCode.RATE_LIMITED, reason: 'rate_limited' });
    expect(frames.admitMessage(step1, () => false)).toBeNull();
    expect(codeOf(frames.admitMessage(step1, () => false))).toEqual({ code: CloseCode.RATE_LIMITED, reason: 'sync_step1_rate' });
  });
});

describe('admitUpdate', () => {
  const storage = createMemoryStorage();
  const health = (options: { maxQueuedBytes?: number } = {}) =>
    new StorageHealth({ storage, logger, maxStorageBytes: 0, minFreeDiskBytes: 0, maxQueuedBytes: options.maxQueuedBytes ?? 1 << 20, storageFailureTimeoutMs: 1000 });
  const doc = new Y.Doc();
  doc.getText('text').insert(0, 'x'.repeat(100));
  const message = decodeClientMessage(encodeSyncUpdate(Y.encodeStateAsUpdate(doc)));
  if (message.kind !== 'sync-update') throw new Error('expected an update');

  it.each(['view', 'comment'] as const)('ignores a %s connection (the backstop: never applied, not refused)', (role) => {
    expect(admitUpdate(fakeConnection({ role }), message, { storedBytes: 0, queuedBytes: 0, maxDocumentBytes: 1 << 20, health: health() })).toBe(IGNORED);
  });

  it('refuses an update that would pass MAX_DOCUMENT_BYTES with 4413', () => {
    expect(codeOf(admitUpdate(fakeConnection(), message, { storedBytes: 0, queuedBytes: 0, maxDocumentBytes: 50, health: health() }) as never)).toEqual({
      code: CloseCode.DOCUMENT_TOO_LARGE,
      reason: 'document_too_large',
    });
  });

  it('refuses new content while storage is full (4507), and lets a deletion through', () => {
    const full = new StorageHealth({ storage, logger, maxStorageBytes: 50, minFreeDiskBytes: 0, maxQueuedBytes: 1 << 20, storageFailureTimeoutMs: 1000 });
    const quota = { storedBytes: 0, queuedBytes: 0, maxDocumentBytes: 1 << 20, health: full };
    expect(codeOf(admitUpdate(fakeConnection(), message, quota) as never)).toEqual({ code: CloseCode.STORAGE_FULL, reason: 'storage_full' });
    const before = Y.encodeStateVector(doc);
    doc.getText('text').delete(0, 50);
    const deletion = decodeClientMessage(encodeSyncUpdate(Y.encodeStateAsUpdate(doc, before)));
    if (deletion.kind !== 'sync-update') throw new Error('expected an update');
    expect(admitUpdate(fakeConnection(), deletion, quota)).toBeNull();
  });

  it('refuses past MAX_QUEUED_BYTES with 4504, and reserves the bytes of what it admits', () => {
    const queue = health({ maxQueuedBytes: message.kind === 'sync-update' ? message.update.byteLength + 10 : 0 });
    const quota = { storedBytes: 0, queuedBytes: 0, maxDocumentBytes: 1 << 20, health: queue };
    expect(admitUpdate(fakeConnection(), message, quota)).toBeNull();
    expect(queue.queuedBytes).toBe(message.update.byteLength);
    expect(codeOf(admitUpdate(fakeConnection(), message, quota) as never)).toEqual({ code: CloseCode.STORAGE_UNAVAILABLE, reason: 'queued_bytes' });
  });
});
