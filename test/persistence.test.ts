/**
 * Documents survive the server process: a graceful stop and restart, and a SIGKILL in the
 * middle of fast typing, after which everything another client had already received is there.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, containsAll, uniqueRoom, waitFor } from './support/clients';
import { startServer, tempDatabaseUrl } from './support/server-process';
import { loadTrace, textsAfterEachEdit } from './support/traces';

describe('persistence across server restarts', () => {
  it('keeps a document across a graceful stop and start', async () => {
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('restart');
    let server = await startServer({ databaseUrl });

    const writer = await connectClient(server.syncUrl, room);
    const witness = await connectClient(server.syncUrl, room);
    writer.text.insert(0, 'The quick brown fox');
    writer.text.delete(4, 6);
    writer.text.insert(writer.text.length, ' jumps over the lazy dog.');
    const expected = 'The brown fox jumps over the lazy dog.';
    await waitFor(() => witness.text.toString() === expected, 'the witness to see every edit');
    writer.destroy();
    witness.destroy();

    expect(await server.stop()).toBe(0);
    server = await startServer({ databaseUrl, port: server.port });
    const reader = await connectClient(server.syncUrl, room);
    expect(reader.text.toString()).toBe(expected);
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('connected clients reconnect to the restarted server and keep editing', async () => {
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('reconnect');
    let server = await startServer({ databaseUrl });
    const alice = await connectClient(server.syncUrl, room);
    const bob = await connectClient(server.syncUrl, room);
    alice.text.insert(0, 'before restart. ');
    await waitFor(() => bob.text.length === 16, 'Bob to see the first edit');

    expect(await server.stop()).toBe(0);
    await waitFor(() => !alice.provider.wsconnected, 'Alice to notice the restart');
    server = await startServer({ databaseUrl, port: server.port });
    await waitFor(() => alice.provider.synced && bob.provider.synced, 'both to reconnect');

    bob.text.insert(bob.text.length, 'after restart.');
    await waitFor(() => alice.text.toString() === 'before restart. after restart.', 'Alice to see Bob’s edit');
    alice.destroy();
    bob.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('loses nothing another client had received when the server is SIGKILLed mid-typing', async () => {
    const trace = loadTrace('automerge-paper.json.gz');
    const edits = trace.txns.slice(0, 3_000);
    const databaseUrl = tempDatabaseUrl();
    const room = uniqueRoom('kill9');
    let server = await startServer({ databaseUrl });

    const typist = await connectClient(server.syncUrl, room);
    const witness = await connectClient(server.syncUrl, room);
    let received = 0;
    witness.doc.on('update', () => received++);

    // The typist replays real keystrokes, one transaction each, as fast as it can.
    let sent = 0;
    const typing = (async () => {
      for (const { patches } of edits) {
        if (!typist.provider.wsconnected) break;
        typist.doc.transact(() => {
          for (const [position, deleteCount, insertText] of patches) {
            if (deleteCount) typist.text.delete(position, deleteCount);
            if (insertText) typist.text.insert(position, insertText);
          }
        });
        sent++;
        if (sent % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    await waitFor(() => received >= 400, 'the witness to receive a good part of the stream');
    await server.kill();
    await typing;
    typist.provider.shouldConnect = false;
    witness.provider.shouldConnect = false;
    await waitFor(() => !witness.provider.wsconnected, 'the witness to see the server die');
    const seen = new Y.Doc();
    Y.applyUpdate(seen, Y.encodeStateAsUpdate(witness.doc));
    typist.destroy();
    witness.destroy();
    expect(received).toBeGreaterThanOrEqual(400);

    server = await startServer({ databaseUrl, port: server.port });
    const reader = await connectClient(server.syncUrl, room);
    // Everything the witness saw is stored (the server may have stored a little more).
    expect(containsAll(reader.doc, seen)).toBe(true);
    // And what is stored is the text after some prefix of the typing session, not a jumble.
    expect(textsAfterEachEdit(edits).has(reader.text.toString())).toBe(true);
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });
});
