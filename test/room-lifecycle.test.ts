/**
 * A room's life on the server: it is compacted in the background while people type, and once
 * the last person leaves it is stored as one snapshot and unloaded, then loads intact again.
 */
import { describe, expect, it } from 'vitest';
import { uniqueRoom } from './support/clients';
import { metricValue } from './support/metrics';
import { storedRows, tempDatabaseUrl } from './support/server-process';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { connectClientForTest, startServerForTest } from './support/test-scoped';
import { eventually, sleep } from './support/wait';

/** The first test's ROOM_UNLOAD_DELAY_MS. */
const UNLOAD_DELAY_MS = 300;

describe('room lifecycle', () => {
  it('stores an empty room as one snapshot, unloads it, and loads it back intact', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl, env: { ROOM_UNLOAD_DELAY_MS: String(UNLOAD_DELAY_MS) } });
    const room = uniqueRoom('unload');
    const alice = await connectClientForTest(server.syncUrl, room);
    const bob = await connectClientForTest(server.syncUrl, room);
    for (let i = 0; i < 30; i++) {
      alice.text.insert(alice.text.length, `${i} `);
      await sleep(2);
    }
    const expected = alice.text.toString();
    await eventually(() => bob.text.toString() === expected, 'Bob to see every edit');
    expect(storedRows(databaseUrl, room).log).toBeGreaterThan(1);

    // While someone is connected the room stays loaded, however long: once the server has seen
    // Alice go, nothing may happen for well past the unload delay (so a sleep, on purpose).
    alice.destroy();
    await eventually(async () => (await metricValue(server.httpUrl, 'tandem_connections_open')) === 1, 'the server to see Alice leave');
    await sleep(2 * UNLOAD_DELAY_MS);
    expect(await metricValue(server.httpUrl, 'tandem_rooms_loaded')).toBe(1);
    expect(server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(room))).toBe(false);

    bob.destroy();
    await eventually(
      () => server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(room)),
      'the room to unload',
    );
    expect(await metricValue(server.httpUrl, 'tandem_rooms_loaded')).toBe(0);
    expect(storedRows(databaseUrl, room)).toEqual({ log: 0, snapshots: 1 });

    const carol = await connectClientForTest(server.syncUrl, room);
    expect(carol.text.toString()).toBe(expected);
    carol.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('compacts the log in the background while clients keep typing', async () => {
    const databaseUrl = tempDatabaseUrl();
    const server = await startServerForTest({ databaseUrl, env: { COMPACT_AFTER_UPDATES: '20' } });
    const room = uniqueRoom('compact');
    const alice = await connectClientForTest(server.syncUrl, room);
    const bob = await connectClientForTest(server.syncUrl, room);
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
    expect(server.logs.filter((entry) => entry.msg === LogMessage.roomCompacted && entry.room === roomLogId(room)).length).toBeGreaterThan(1);

    // A fresh client after a restart sees exactly what was typed.
    alice.destroy();
    bob.destroy();
    expect(await server.stop()).toBe(0);
    const restarted = await startServerForTest({ databaseUrl });
    const reader = await connectClientForTest(restarted.syncUrl, room);
    expect(reader.text.toString()).toBe(expected);
    reader.destroy();
    expect(await restarted.stop()).toBe(0);
  });
});
