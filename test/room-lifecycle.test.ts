/**
 * A room's life on the server: it is compacted in the background while people type, and once
 * the last person leaves it is stored as one snapshot and unloaded, then loads intact again.
 */
import { describe, expect, it } from 'vitest';
import { connectClient, uniqueRoom } from './support/clients';
import { startServer, storedRows, tempDatabaseUrl } from './support/server-process';
import { roomLogId } from '../server/log';
import { eventually, sleep } from './support/wait';

describe('room lifecycle', () => {
  it('stores an empty room as one snapshot, unloads it, and loads it back intact', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServer({ databaseUrl, env: { ROOM_UNLOAD_DELAY_MS: '300' } });
    const room = uniqueRoom('unload');
    const alice = await connectClient(server.syncUrl, room);
    const bob = await connectClient(server.syncUrl, room);
    for (let i = 0; i < 30; i++) {
      alice.text.insert(alice.text.length, `${i} `);
      await sleep(2);
    }
    const expected = alice.text.toString();
    await eventually(() => bob.text.toString() === expected, 'Bob to see every edit');
    expect(storedRows(databaseUrl, room).log).toBeGreaterThan(1);

    // While someone is connected the room stays loaded, however long.
    alice.destroy();
    await sleep(800);
    expect(server.logs.some((entry) => entry.msg === 'room unloaded' && entry.room === roomLogId(room))).toBe(false);

    bob.destroy();
    await eventually(
      () => server.logs.some((entry) => entry.msg === 'room unloaded' && entry.room === roomLogId(room)),
      'the room to unload',
    );
    expect(storedRows(databaseUrl, room)).toEqual({ log: 0, snapshots: 1 });

    const carol = await connectClient(server.syncUrl, room);
    expect(carol.text.toString()).toBe(expected);
    carol.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('compacts the log in the background while clients keep typing', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServer({ databaseUrl, env: { COMPACT_AFTER_UPDATES: '20' } });
    const room = uniqueRoom('compact');
    const alice = await connectClient(server.syncUrl, room);
    const bob = await connectClient(server.syncUrl, room);
    // 200 edits, each sent once the one before reached Bob (so it was stored): each becomes its
    // own log entry however fast or slow the disk commits.
    for (let i = 0; i < 200; i++) {
      alice.text.insert(alice.text.length, String.fromCharCode(97 + (i % 26)));
      await eventually(() => bob.text.length === i + 1, `Bob to see edit ${i + 1}`);
    }
    const expected = alice.text.toString();
    await eventually(() => bob.text.toString() === expected, 'Bob to see every edit');

    const rows = storedRows(databaseUrl, room);
    expect(rows.snapshots).toBe(1);
    expect(rows.log).toBeLessThan(40);
    expect(server.logs.filter((entry) => entry.msg === 'room compacted' && entry.room === roomLogId(room)).length).toBeGreaterThan(1);

    // A fresh client after a restart sees exactly what was typed.
    alice.destroy();
    bob.destroy();
    expect(await server.stop()).toBe(0);
    const restarted = await startServer({ databaseUrl });
    const reader = await connectClient(restarted.syncUrl, room);
    expect(reader.text.toString()).toBe(expected);
    reader.destroy();
    expect(await restarted.stop()).toBe(0);
  });
});
