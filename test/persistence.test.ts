/**
 * Documents survive the server process: a graceful stop and restart, with connected clients
 * reconnecting on their own. SIGKILL and shutdown mid-typing live in durability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { uniqueRoom } from './support/clients';
import { tempDatabaseUrl } from './support/server-process';
import { connectClientForTest, startServerForTest } from './support/test-scoped';
import { eventually } from './support/wait';

describe('persistence across server restarts', () => {
  it('keeps a document across a graceful stop and start', async () => {
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('restart');
    let server = await startServerForTest({ databaseUrl });

    const writer = await connectClientForTest(server.syncUrl, room);
    const witness = await connectClientForTest(server.syncUrl, room);
    writer.text.insert(0, 'The quick brown fox');
    writer.text.delete(4, 6);
    writer.text.insert(writer.text.length, ' jumps over the lazy dog.');
    const expected = 'The brown fox jumps over the lazy dog.';
    await eventually(() => witness.text.toString() === expected, 'the witness to see every edit');
    writer.destroy();
    witness.destroy();

    expect(await server.stop()).toBe(0);
    server = await startServerForTest({ databaseUrl, port: server.port });
    const reader = await connectClientForTest(server.syncUrl, room);
    expect(reader.text.toString()).toBe(expected);
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('connected clients reconnect to the restarted server and keep editing', async () => {
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('reconnect');
    let server = await startServerForTest({ databaseUrl });
    const alice = await connectClientForTest(server.syncUrl, room);
    const bob = await connectClientForTest(server.syncUrl, room);
    alice.text.insert(0, 'before restart. ');
    await eventually(() => bob.text.length === 16, 'Bob to see the first edit');

    expect(await server.stop()).toBe(0);
    await eventually(() => !alice.provider.wsconnected, 'Alice to notice the restart');
    server = await startServerForTest({ databaseUrl, port: server.port });
    await eventually(() => alice.provider.synced && bob.provider.synced, 'both to reconnect');

    bob.text.insert(bob.text.length, 'after restart.');
    await eventually(() => alice.text.toString() === 'before restart. after restart.', 'Alice to see Bob’s edit');
    alice.destroy();
    bob.destroy();
    expect(await server.stop()).toBe(0);
  });
});
