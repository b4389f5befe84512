/** The process-wide storage record rooms consult: quota arithmetic, queued bytes, readiness. */
import { describe, expect, it } from 'vitest';
import { createLogger } from './log';
import { StorageHealth, type StorageHealthOptions } from './storage-health';
import { createMemoryStorage } from './storage/memory';
import type { DocumentLog } from './storage';

const logger = createLogger('silent');

function healthOf(storage: DocumentLog, options: Partial<StorageHealthOptions> = {}): StorageHealth {
  return new StorageHealth({
    storage,
    logger,
    maxStorageBytes: 0,
    minFreeDiskBytes: 0,
    maxQueuedBytes: 1_000,
    storageFailureTimeoutMs: 1_000,
    ...options,
  });
}

/** Memory storage whose size, free space and write probe the test sets. */
function fakeStorage(state: { used: number; free: number | null; probeFails?: boolean }): DocumentLog {
  return {
    ...createMemoryStorage(),
    usedBytes: async () => state.used,
    freeDiskBytes: async () => state.free,
    probeWrite: async () => {
      if (state.probeFails) throw new Error('disk full');
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('StorageHealth', () => {
  it('counts what was stored and queued since the last measurement against MAX_STORAGE_BYTES', async () => {
    const health = healthOf(fakeStorage({ used: 900, free: null }), { maxStorageBytes: 1_000, sampleIntervalMs: 60_000 });
    await settle();
    expect(health.fullFor(100)).toBeNull();
    expect(health.fullFor(101)).toBe('quota');
    health.appendStored('room', 50);
    expect(health.fullFor(51)).toBe('quota');
    expect(health.reserveQueued(40)).toBe(true);
    expect(health.fullFor(10)).toBeNull();
    expect(health.fullFor(11)).toBe('quota');
    // A refusal makes readiness report storage full, even though 0 more bytes would fit.
    expect((await health.check()).full).toBe('quota');
  });

  it('keeps MIN_FREE_DISK_BYTES free, and has no floor where storage is not a local file', async () => {
    const disk = healthOf(fakeStorage({ used: 0, free: 10_000 }), { minFreeDiskBytes: 9_000 });
    const remote = healthOf(fakeStorage({ used: 0, free: null }), { minFreeDiskBytes: 9_000 });
    await settle();
    expect(disk.fullFor(1_000)).toBeNull();
    expect(disk.fullFor(1_001)).toBe('disk');
    expect(remote.fullFor(1_000_000)).toBeNull();
  });

  it('caps queued bytes across rooms and frees what is released', () => {
    const health = healthOf(createMemoryStorage());
    expect(health.reserveQueued(600)).toBe(true);
    expect(health.reserveQueued(401)).toBe(false);
    expect(health.reserveQueued(400)).toBe(true);
    health.releaseQueued(500);
    expect(health.queuedBytes).toBe(500);
    expect(health.reserveQueued(500)).toBe(true);
  });

  it('is failing while an append fails, and after a room gave up until a write probe succeeds', async () => {
    const state = { used: 0, free: null, probeFails: true };
    const health = healthOf(fakeStorage(state));
    expect(await health.check()).toEqual({ writes: 'ok', full: null });
    health.appendFailed('a', Date.now(), new Error('disk full'));
    expect(await health.check()).toMatchObject({ writes: 'failing', detail: expect.stringMatching(/1 room/) });
    health.appendAbandoned('a');
    expect((await health.check()).writes).toBe('failing');
    state.probeFails = false;
    expect((await health.check()).writes).toBe('ok');
    health.appendFailed('b', Date.now(), new Error('timeout'));
    health.appendStored('b', 10);
    expect((await health.check()).writes).toBe('ok');
  });
});
