/**
 * SQLite's pipelined appends against a real database file: written at once, flushed by an
 * fdatasync of the WAL that starts after the commit, never claimed flushed before that
 * fdatasync completed or when it failed; and, imaging the database at every flush as a power
 * cut would leave it, nothing whose flush resolved is ever missing from the image, through
 * checkpoints that restart the WAL from its start or truncate it while a flush is pending.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { copyOfImage, flushedImage, installFlushFaults, type FlushControl } from '../../test/support/flush-faults';
import { eventually, sleep } from '../../test/support/wait';
import { openSqliteStorage } from './sqlite';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-wal-flush-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens storage on a fresh file with flush faults installed; `control.now` steers them. */
function openWithFaults(imagesDir?: string) {
  const control: { now: FlushControl } = { now: null };
  cleanups.push(installFlushFaults({ control: () => control.now, imagesDir }));
  const file = path.join(tempDir(), 'tandem.db');
  const storage = openSqliteStorage(file);
  cleanups.push(() => storage.close());
  return { storage, file, control };
}

/** Whether `promise` has settled after the event loop had a few turns to settle it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  // Time passing is the point: a flush that is held must stay unresolved meanwhile.
  await sleep(30);
  return done;
}

/** The log positions a database file holds for `room` (read from a copy: recovery writes). */
function storedIds(image: string, room: string, scratch: string): Set<number> {
  const copy = copyOfImage(image, fs.mkdtempSync(path.join(scratch, 'open-')));
  const db = new Database(copy, { readonly: true });
  try {
    return new Set((db.prepare('SELECT id FROM room_updates WHERE room = ?').all(room) as { id: number }[]).map((row) => row.id));
  } finally {
    db.close();
  }
}

const payload = (bytes: number, seed: number) => new Uint8Array(bytes).fill(seed % 251);

describe('SQLite appends, written and then flushed', () => {
  it('are readable once written, and flushed only once an fdatasync of the WAL started after them completes', async () => {
    const { storage, control } = openWithFaults();
    control.now = 'hold';
    const staged = storage.appendInStages('room', payload(10, 1));
    const head = await staged.written;
    expect((await storage.load('room')).head).toBe(head);
    expect(await settled(staged.flushed)).toBe(false);
    // Written while the first flush is held: it waits for the flush after it.
    const later = storage.appendInStages('room', payload(10, 2));
    await later.written;
    control.now = null;
    await staged.flushed;
    await later.flushed;
  });

  it('are never claimed flushed when the fdatasync fails; the next append gets a fresh flush', async () => {
    const { storage, control } = openWithFaults();
    control.now = 'fail';
    const failed = storage.appendInStages('room', payload(10, 1));
    await failed.written;
    await expect(failed.flushed).rejects.toThrow(/flushing the SQLite WAL failed: EIO/);
    await expect(storage.append('room', payload(10, 2))).rejects.toThrow(/EIO/);
    control.now = null;
    const next = storage.appendInStages('room', payload(10, 3));
    await next.flushed;
    expect((await storage.load('room')).logLength).toBe(3);
  });

  it('fail to flush once the WAL file was removed underneath: a sync of it would protect nothing', async () => {
    const { storage, file } = openWithFaults();
    await storage.append('room', payload(10, 1));
    fs.rmSync(`${file}-wal`);
    await expect(storage.appendInStages('room', payload(10, 2)).flushed).rejects.toThrow(/removed or replaced/);
  });

  it('lose nothing whose flush resolved to a power cut, through WAL restarts and truncations while flushes are pending', async () => {
    const imagesDir = tempDir();
    const scratch = tempDir();
    const { storage, file, control } = openWithFaults(imagesDir);
    // A second connection, as a backup tool would hold: its checkpoints copy the WAL into the
    // database, after which the next append writes the WAL from its start again (a restart),
    // or truncate the WAL to nothing.
    const other = new Database(file);
    cleanups.push(() => void other.close());
    const flushedIds: number[] = [];
    const pending: Promise<void>[] = [];
    const append = (seed: number) => {
      const staged = storage.appendInStages('room', payload(300, seed));
      pending.push(staged.written.then((id) => staged.flushed.then(() => void flushedIds.push(id))));
    };
    const expectImageHoldsEverythingFlushed = () => {
      const image = flushedImage(imagesDir);
      expect(image).not.toBeNull();
      const held = storedIds(image!, 'room', scratch);
      const missing = flushedIds.filter((id) => !held.has(id));
      expect(missing, `flushed yet missing from the power-cut image (of ${flushedIds.length})`).toEqual([]);
    };

    const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE') => {
      const [result] = other.pragma(`wal_checkpoint(${mode})`) as { busy: number }[];
      expect(result.busy).toBe(0);
    };
    let walPeakBytes = 0;
    for (let seed = 0; seed < 1_000; seed++) {
      append(seed);
      if (seed % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      walPeakBytes = Math.max(walPeakBytes, fs.statSync(`${file}-wal`).size);
      if (seed % 50 === 25) checkpoint('PASSIVE');
      if (seed === 300 || seed === 700) {
        // A flush held (a slow disk) while the WAL is checkpointed and truncated underneath
        // it, and appends after it write the WAL anew.
        control.now = 'hold';
        const held = storage.appendInStages('room', payload(300, seed));
        await held.written;
        checkpoint(seed === 300 ? 'TRUNCATE' : 'PASSIVE');
        for (let more = 0; more < 20; more++) append(seed * 10 + more);
        await new Promise((resolve) => setImmediate(resolve));
        control.now = null;
        await held.flushed;
      }
      if (seed % 250 === 249) {
        await eventually(() => flushedIds.length > 0, 'some append to be flushed');
        expectImageHoldsEverythingFlushed();
      }
    }
    await Promise.all(pending);
    expectImageHoldsEverythingFlushed();
    expect(flushedIds.length).toBe(1_040);
    // The WAL was written anew after checkpoints: 1,040 commits of at least one 4 KiB page
    // each would have grown it past 4 MiB otherwise.
    expect(walPeakBytes).toBeLessThan(1 << 20);
  });
});
