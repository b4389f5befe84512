/**
 * Tandem's SAVED acknowledgement and the save state built on it: "Saved" only ever means
 * stored, only clients that ask get the extra message, and offline edits are counted and sent.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MessageType } from '../lib/protocol/sync-protocol';
import { containsAll, uniqueRoom } from './support/clients';
import { tempDatabaseUrl } from './support/server-process';
import { docFromFrames } from './support/tracked-client';
import { connectClientForTest, connectTrackedClientForTest, startServerForTest } from './support/test-scoped';
import { eventually, sleep } from './support/wait';

/** Connects a raw socket, records the first byte (message type) of everything received. */
async function recordMessageTypes(url: string): Promise<{ socket: WebSocket; types: number[] }> {
  const socket = new WebSocket(url);
  const types: number[] = [];
  socket.on('message', (data: Buffer) => types.push(data[0]));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, types };
}

function updateFrame(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('title').insert(0, text);
  const update = Y.encodeStateAsUpdate(doc);
  // [sync, update, varuint length, payload]; payloads here are < 128 bytes.
  return Uint8Array.from([MessageType.SYNC, 2, update.length, ...update]);
}

describe('SAVED acknowledgements', () => {
  it('are sent only to clients that ask, counting their document messages', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('acks');
    const stock = await recordMessageTypes(`${server.syncUrl}/${room}`);
    const asking = await recordMessageTypes(`${server.syncUrl}/${room}?acks=1`);
    const acks: number[] = [];
    asking.socket.on('message', (data: Buffer) => {
      if (data[0] === MessageType.SAVED) acks.push(data[1]);
    });

    stock.socket.send(updateFrame('from stock'));
    asking.socket.send(updateFrame('one'));
    asking.socket.send(updateFrame('two'));
    await eventually(() => acks.includes(2), 'the asking client to be told both messages are stored');
    // Give a stray ack every chance to arrive before asserting it never does: the stock client
    // gets "one" and "two" (in one frame when they were stored together) after the ack went out.
    await eventually(() => stock.types.filter((type) => type === MessageType.SYNC).length >= 2, 'stock client updates');
    expect(stock.types).not.toContain(MessageType.SAVED);
    expect(acks.at(-1)).toBe(2);

    stock.socket.close();
    asking.socket.close();
    expect(await server.stop()).toBe(0);
  });

  it.each(['full', 'normal'])('never claim a change that is not in storage: SIGKILL right after an ack loses nothing acked (SQLITE_SYNCHRONOUS=%s)', async (synchronous) => {
    const databaseUrl = tempDatabaseUrl();
    const env = { SQLITE_SYNCHRONOUS: synchronous };
    let server = await startServerForTest({ databaseUrl, env });
    const room = uniqueRoom('ack-kill');
    const typist = await connectTrackedClientForTest(server.syncUrl, room);

    let ackedAtKill = 0;
    const killed = new Promise<void>((resolve) => {
      typist.onAck = (count) => {
        if (count < 150 || ackedAtKill) return;
        ackedAtKill = count;
        void server.kill().then(resolve); // the signal goes out synchronously, here
      };
    });
    for (let i = 0; i < 2_000 && !ackedAtKill; i++) {
      typist.text.insert(typist.text.length, `${i % 10}`);
      if (i % 10 === 0) await sleep(1);
    }
    await killed;
    const acked = docFromFrames(typist.sentDocumentFrames, ackedAtKill);
    typist.provider.shouldConnect = false;
    typist.destroy();

    server = await startServerForTest({ databaseUrl, port: server.port, env });
    const reader = await connectClientForTest(server.syncUrl, room);
    expect(acked.getText('title').length).toBeGreaterThan(100);
    expect(containsAll(reader.doc, acked)).toBe(true);
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });
});

describe('save state (lib/client/save-tracker.ts) against the real server', () => {
  it('goes saving → saved, offline with a count while the server is down, and saved after it returns', async () => {
    const databaseUrl = tempDatabaseUrl();
    let server = await startServerForTest({ databaseUrl });
    const room = uniqueRoom('save-state');
    const alice = await connectTrackedClientForTest(server.syncUrl, room);
    await eventually(() => alice.tracker.getState().kind === 'saved', 'an untouched document to be saved');

    alice.text.insert(0, 'Hello');
    expect(alice.tracker.getState().kind).toBe('saving');
    await eventually(() => alice.tracker.getState().kind === 'saved', 'the edit to be acknowledged');

    expect(await server.stop()).toBe(0);
    await eventually(() => alice.tracker.getState().kind === 'offline', 'the offline state');
    alice.text.insert(5, ', world');
    alice.text.insert(12, '!');
    expect(alice.tracker.getState()).toEqual({ kind: 'offline', unsavedCount: 2 });
    expect(alice.tracker.hasUnsavedChanges).toBe(true);

    server = await startServerForTest({ databaseUrl, port: server.port });
    await eventually(() => alice.tracker.getState().kind === 'saved', 'the offline edits to be stored after reconnect');
    expect(alice.tracker.hasUnsavedChanges).toBe(false);
    alice.destroy();

    const reader = await connectClientForTest(server.syncUrl, room);
    expect(reader.text.toString()).toBe('Hello, world!');
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('counts deletions as changes to save, not only insertions', async () => {
    const server = await startServerForTest();
    const room = uniqueRoom('delete');
    const alice = await connectTrackedClientForTest(server.syncUrl, room);
    alice.text.insert(0, 'abc');
    await eventually(() => alice.tracker.getState().kind === 'saved', 'the insert to be saved');
    alice.text.delete(1, 1);
    expect(alice.tracker.getState().kind).toBe('saving');
    await eventually(() => alice.tracker.getState().kind === 'saved', 'the deletion to be saved');
    alice.destroy();
    const reader = await connectClientForTest(server.syncUrl, room);
    expect(reader.text.toString()).toBe('ac');
    reader.destroy();
    expect(await server.stop()).toBe(0);
  });
});
