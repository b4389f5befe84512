/**
 * A stock y-websocket client must work against Tandem's server unchanged: document sync both
 * ways, presence, and presence removal the moment a socket closes.
 */
import * as decoding from 'lib0/decoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { applyAwarenessUpdate, Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { MessageType } from '../lib/protocol/sync-protocol';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually, sleep } from './support/wait';

describe('stock y-websocket clients against the standalone server', () => {
  let server: ServerProcess;
  const clients: Client[] = [];
  const connect = async (room: string) => {
    const client = await connectClient(server.syncUrl, room);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('syncs a Y.Text both ways', async () => {
    const room = uniqueRoom('compat');
    const alice = await connect(room);
    const bob = await connect(room);

    alice.text.insert(0, 'Hello from Alice. ');
    await eventually(() => bob.text.toString() === 'Hello from Alice. ', 'Bob to receive Alice’s text');

    bob.text.insert(bob.text.length, 'And Bob.');
    await eventually(() => alice.text.toString() === 'Hello from Alice. And Bob.', 'Alice to receive Bob’s text');

    // Concurrent edits at the same position converge to one text holding both.
    alice.text.insert(0, 'A');
    bob.text.insert(0, 'B');
    await eventually(() => alice.text.toString() === bob.text.toString() && alice.text.length === 28, 'convergence');
    expect(alice.text.toString()).toMatch(/^(AB|BA)Hello from Alice\. And Bob\.$/);
  });

  it('a late joiner receives the whole document', async () => {
    const room = uniqueRoom('late');
    const alice = await connect(room);
    for (let i = 0; i < 50; i++) alice.text.insert(alice.text.length, `line ${i}\n`);
    const carol = await connect(room);
    await eventually(() => carol.text.toString() === alice.text.toString(), 'Carol to catch up');
  });

  it('relays awareness and removes it for everyone when a socket closes', async () => {
    const room = uniqueRoom('presence');
    const alice = await connect(room);
    const bob = await connect(room);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });

    const aliceId = alice.doc.clientID;
    await eventually(
      () => (bob.provider.awareness.getStates().get(aliceId) as { user?: { name: string } })?.user?.name === 'Alice',
      'Bob to see Alice’s presence',
    );

    // Drop Alice's socket without any goodbye message: only the server can tell Bob she left,
    // and it must do so at once, not after y-protocols' 30 s awareness timeout.
    alice.provider.shouldConnect = false;
    (alice.provider.ws as unknown as WebSocket).terminate();
    await eventually(() => !bob.provider.awareness.getStates().has(aliceId), 'Alice’s presence to vanish', 3_000);
  });

  it('many clients joining at the same moment all receive the whole document', async () => {
    const room = uniqueRoom('storm');
    const alice = await connect(room);
    for (let i = 0; i < 200; i++) alice.text.insert(alice.text.length, `line ${i}\n`);
    await eventually(() => alice.provider.synced, 'Alice to sync');
    const joiners = await Promise.all(Array.from({ length: 20 }, () => connect(room)));
    await eventually(() => joiners.every((joiner) => joiner.text.toString() === alice.text.toString()), 'every joiner to catch up');
    // The shared whole-document answer must follow later edits too.
    alice.text.insert(0, 'after the storm. ');
    await eventually(() => joiners[0].text.toString() === alice.text.toString(), 'the edit to be stored and forwarded');
    const late = await connect(room);
    expect(late.text.toString()).toBe(alice.text.toString());
  });

  it('tells a newcomer who is already here', async () => {
    const room = uniqueRoom('newcomer');
    const alice = await connect(room);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    await sleep(100);
    const bob = await connect(room);
    // Bob joins after Alice set her state: the server sends the current states on join.
    await eventually(() => bob.provider.awareness.getStates().has(alice.doc.clientID), 'Bob to learn who is here');
  });

  it('answers query-awareness with everyone present', async () => {
    const room = uniqueRoom('query');
    const alice = await connect(room);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    await sleep(100);

    const socket = new WebSocket(`${server.syncUrl}/${room}`);
    const awarenessFrames: Uint8Array[] = [];
    socket.on('message', (data: Buffer) => {
      if (data[0] === MessageType.AWARENESS) awarenessFrames.push(new Uint8Array(data));
    });
    await new Promise((resolve) => socket.once('open', resolve));
    await eventually(() => awarenessFrames.length > 0, 'the presence sent on join');
    awarenessFrames.length = 0;
    socket.send(Uint8Array.of(MessageType.QUERY_AWARENESS));
    await eventually(() => awarenessFrames.length > 0, 'the answer to query-awareness');

    const observer = new Awareness(new Y.Doc());
    const decoder = decoding.createDecoder(awarenessFrames[0]);
    decoding.readVarUint(decoder);
    applyAwarenessUpdate(observer, decoding.readVarUint8Array(decoder), 'server');
    expect(observer.getStates().get(alice.doc.clientID)).toEqual({ user: { name: 'Alice', color: '#175cd3' } });
    socket.close();
  });
});
