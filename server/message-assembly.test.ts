/**
 * The message-assembly deadline reads `ws` internals (message-assembly.ts): these tests pin
 * what it relies on, so upgrading `ws` to a version that keeps them elsewhere fails here
 * instead of silently switching the deadline off.
 */
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { eventually, sleep } from '../test/support/wait';
import { hasUnfinishedMessage, watchMessageAssembly, wsInternals } from './message-assembly';

let server: WebSocketServer | null = null;
const clients: WebSocket[] = [];

/** A ws server on port 0 and one client; resolves with both ends once open. */
async function pair(): Promise<{ serverSide: WebSocket; client: WebSocket }> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server!.once('listening', resolve));
  const connected = new Promise<WebSocket>((resolve) => server!.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  clients.push(client);
  await new Promise((resolve) => client.once('open', resolve));
  return { serverSide: await connected, client };
}

/** The client's raw socket, to write bytes `ws` would only write as whole frames. */
function rawOf(client: WebSocket): Duplex {
  return (client as unknown as { _socket: Duplex })._socket;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
});

describe('ws internals the deadline relies on', () => {
  it('exposes the raw socket and the receiver state', async () => {
    const { serverSide } = await pair();
    const internals = wsInternals(serverSide);
    expect(internals).not.toBeNull();
    expect(hasUnfinishedMessage(internals!.receiver)).toBe(false);
  });

  it('shows a fragmented message in progress until its last fragment', async () => {
    const { serverSide, client } = await pair();
    const { receiver } = wsInternals(serverSide)!;
    const messages: Buffer[] = [];
    serverSide.on('message', (data) => messages.push(data as Buffer));
    client.send(Buffer.from('first half '), { fin: false });
    await eventually(() => hasUnfinishedMessage(receiver), 'the first fragment to be buffered', 2_000);
    client.ping();
    await sleep(50);
    expect(hasUnfinishedMessage(receiver)).toBe(true);
    client.send(Buffer.from('second half'), { fin: true });
    await eventually(() => messages.length === 1, 'the message', 2_000);
    expect(hasUnfinishedMessage(receiver)).toBe(false);
  });

  it('shows a frame in progress while only part of it has arrived', async () => {
    const { serverSide, client } = await pair();
    const { receiver } = wsInternals(serverSide)!;
    // A masked binary frame header announcing 1,000 bytes, the mask, and 10 of the bytes.
    rawOf(client).write(Buffer.concat([Buffer.from([0x82, 0xfe, 0x03, 0xe8, 1, 2, 3, 4]), Buffer.alloc(10)]));
    await eventually(() => hasUnfinishedMessage(receiver), 'the partial frame to be buffered', 2_000);
  });
});

describe('watchMessageAssembly', () => {
  it('fires for a message left unfinished, not for an idle socket or one that finishes in time', async () => {
    const { serverSide, client } = await pair();
    let fired = 0;
    watchMessageAssembly(serverSide, 200, () => (fired += 1));
    client.send(Buffer.from('whole'));
    client.pong();
    client.send(Buffer.from('in '), { fin: false });
    await sleep(100);
    client.send(Buffer.from('time'), { fin: true });
    await sleep(400);
    expect(fired).toBe(0);
    client.send(Buffer.from('never finished'), { fin: false });
    await eventually(() => fired === 1, 'the deadline', 2_000);
  });

  it('gives each message its own deadline, so back-to-back messages never trip it', async () => {
    const { serverSide, client } = await pair();
    let fired = 0;
    watchMessageAssembly(serverSide, 150, () => (fired += 1));
    // Every 50 ms: finish one message and start the next, for well past the deadline.
    client.send(Buffer.from('0'), { fin: false });
    for (let i = 1; i <= 10; i++) {
      await sleep(50);
      client.send(Buffer.from('end'), { fin: true });
      client.send(Buffer.from(String(i)), { fin: false });
    }
    client.send(Buffer.from('end'), { fin: true });
    await sleep(300);
    expect(fired).toBe(0);
  });
});
