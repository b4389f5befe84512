/**
 * Bad input never crashes the server or touches a document: invalid room ids are refused at
 * the upgrade, and a malformed frame closes only the connection that sent it.
 */
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { LogMessage } from '../server/log-messages';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { closeCodeOf, openRawSocket } from './support/raw-socket';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually } from './support/wait';

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

describe('bad input against the standalone server', () => {
  let server: ServerProcess;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { MAX_MESSAGE_BYTES: String(64 * 1024) } });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    // It survived everything below and still shuts down cleanly.
    expect(await server.stop()).toBe(0);
  });

  it.each([
    ['a dot', 'bad.id'],
    ['a space', 'bad%20id'],
    ['a nested path', 'room/extra'],
    ['129 characters', 'a'.repeat(129)],
    ['percent-encoded traversal', '..%2F..%2Fetc'],
    ['non-ASCII', '%C3%A9t%C3%A9'],
  ])('refuses a room id with %s at the upgrade with HTTP 400', async (_label, room) => {
    await expect(openRawSocket(`${server.syncUrl}/${room}`)).rejects.toMatchObject({ status: 400 });
  });

  it('refuses an empty room id and paths outside /sync', async () => {
    await expect(openRawSocket(`${server.syncUrl}/`)).rejects.toMatchObject({ status: 400 });
    await expect(openRawSocket(`ws://127.0.0.1:${server.port}/elsewhere`)).rejects.toMatchObject({ status: 404 });
  });

  it('accepts the longest valid room id', async () => {
    const socket = await openRawSocket(`${server.syncUrl}/${'a'.repeat(128)}`);
    socket.close();
  });

  const malformedFrames: [string, Uint8Array | string][] = [
    ['random bytes', Uint8Array.from([0xff, 0xfe, 0x13, 0x37, 0x00, 0x42, 0x99])],
    ['an empty frame', new Uint8Array(0)],
    ['an unknown message type', frame((e) => encoding.writeVarUint(e, 42))],
    ['an unknown sync step', frame((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 9)))],
    [
      'a truncated sync update',
      frame((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 2), encoding.writeVarUint(e, 500))),
    ],
    [
      'a sync update holding garbage',
      frame((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 2), encoding.writeVarUint8Array(e, Uint8Array.from([5, 200, 1, 7, 7, 7])))),
    ],
    [
      'an awareness update with invalid JSON',
      frame((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint8Array(e, frame((inner) => {
          encoding.writeVarUint(inner, 1);
          encoding.writeVarUint(inner, 1234);
          encoding.writeVarUint(inner, 1);
          encoding.writeVarString(inner, '{not json');
        }));
      }),
    ],
    ['a text frame', 'hello server'],
  ];

  it.each(malformedFrames)('closes only the sender of %s; the room keeps syncing', async (_label, payload) => {
    const room = uniqueRoom('garbage');
    const alice = await connectClient(server.syncUrl, room);
    const bob = await connectClient(server.syncUrl, room);
    clients.push(alice, bob);
    alice.text.insert(0, 'intact');
    await eventually(() => bob.text.toString() === 'intact', 'Bob to see the first edit');

    const attacker = await openRawSocket(`${server.syncUrl}/${room}`);
    const closed = closeCodeOf(attacker);
    attacker.send(payload);
    expect(await closed).toBe(CloseCode.MALFORMED_MESSAGE);

    // Everyone else carries on, and the document is untouched.
    bob.text.insert(bob.text.length, ' and alive');
    await eventually(() => alice.text.toString() === 'intact and alive', 'Alice to see Bob’s edit after the attack');
    expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true);
    const reader = await connectClient(server.syncUrl, room);
    clients.push(reader);
    expect(reader.text.toString()).toBe('intact and alive');
  });

  it('closes a frame over MAX_MESSAGE_BYTES with 1009 and stores none of it', async () => {
    const room = uniqueRoom('oversize');
    const alice = await connectClient(server.syncUrl, room);
    clients.push(alice);
    alice.text.insert(0, 'small');

    const doc = new Y.Doc();
    doc.getText('title').insert(0, 'x'.repeat(100 * 1024));
    const attacker = await openRawSocket(`${server.syncUrl}/${room}`);
    const closed = closeCodeOf(attacker);
    attacker.send(frame((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc));
    }));
    expect(await closed).toBe(CloseCode.MESSAGE_TOO_BIG);

    const reader = await connectClient(server.syncUrl, room);
    clients.push(reader);
    expect(reader.text.toString()).toBe('small');
  });

  it('still answers health checks after all of the above', async () => {
    const response = await fetch(`${server.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(server.logs.some((entry) => entry.msg === LogMessage.malformedFrame)).toBe(true);
  });
});
