/**
 * Security review H7, H8 and M2, rebuilt with hand-made clients against a real server process:
 * sockets that stall before their request is whole, one address holding many sockets or
 * squatting many made-up rooms, and WebSocket messages that are started and never finished.
 *
 * Several client addresses on one machine: sockets bound to 127.0.0.2, 127.0.0.3 … are distinct
 * direct peers (Linux routes all of 127/8 to loopback), and with TRUSTED_PROXIES=127.0.0.1 a
 * socket from 127.0.0.1 is a proxy whose X-Forwarded-For names the client.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { uniqueRoom } from './support/clients';
import { syncStep1Frame, updateFrame, updateFrom } from './support/frames';
import { metricValue, rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { startServer, type ServerProcess } from './support/server-process';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { eventually, sleep } from './support/wait';

/** A started server for the enclosing describe block, and everything to close after it. */
function serverWith(env: Record<string, string>) {
  const context = {
    server: null as unknown as ServerProcess,
    open: [] as { destroy(): void }[],
    /** A raw y-websocket peer connecting from `from` (a loopback address), optionally forwarded for `forwardedFor`. */
    async peer(room: string, from: string, forwardedFor?: string): Promise<RawPeer> {
      const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : undefined;
      const peer = await openRawPeer(`${context.server.syncUrl}/${room}`, { localAddress: from, headers });
      context.open.push(peer);
      return peer;
    },
    /** A TCP socket from `from`, connected. */
    async tcp(from: string): Promise<TcpClient> {
      const client = await connectTcp(context.server.port, from);
      context.open.push(client);
      return client;
    },
  };
  beforeAll(async () => {
    context.server = await startServer({ env });
  });
  afterAll(async () => {
    for (const client of context.open) client.destroy();
    expect(await context.server.stop()).toBe(0);
  });
  return context;
}

interface TcpClient {
  socket: net.Socket;
  /** Everything the server sent. */
  received(): Buffer;
  closed: boolean;
  destroy(): void;
}

function connectTcp(port: number, from: string): Promise<TcpClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    const chunks: Buffer[] = [];
    const client: TcpClient = {
      socket,
      received: () => Buffer.concat(chunks),
      closed: false,
      destroy: () => socket.destroy(),
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      client.closed = true;
    });
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

/** GET /healthz from `from`; resolves with the status, or rejects if the connection is refused. */
function healthzFrom(port: number, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', localAddress: from, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe('H8: sockets that stall before their request is whole', () => {
  const HANDSHAKE_TIMEOUT_MS = 500;
  const ctx = serverWith({ HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS) });

  it('are closed within about HANDSHAKE_TIMEOUT_MS: silent, "G", partial request line, partial headers, partial upgrade, mid keep-alive', async () => {
    const stalls: Record<string, TcpClient> = {
      'nothing at all': await ctx.tcp('127.0.0.1'),
      '"G"': await ctx.tcp('127.0.0.1'),
      'a partial request line': await ctx.tcp('127.0.0.1'),
      'partial headers': await ctx.tcp('127.0.0.1'),
      'partial upgrade headers': await ctx.tcp('127.0.0.1'),
      'a keep-alive socket stalled mid second request': await ctx.tcp('127.0.0.1'),
    };
    stalls['"G"'].socket.write('G');
    stalls['a partial request line'].socket.write('GET /healthz HTT');
    stalls['partial headers'].socket.write('GET /healthz HTTP/1.1\r\nHost: tandem\r\n');
    stalls['partial upgrade headers'].socket.write(
      `GET /sync/${uniqueRoom('stall')} HTTP/1.1\r\nHost: tandem\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`,
    );
    const keepAlive = stalls['a keep-alive socket stalled mid second request'];
    keepAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: tandem\r\n\r\n');
    await eventually(() => keepAlive.received().toString().includes('"status":"ok"'), 'the first keep-alive answer');
    keepAlive.socket.write('GET /healthz HTTP/1.1\r\nHo');

    const started = Date.now();
    for (const [what, client] of Object.entries(stalls)) {
      // Generous: the deadline is 0.5 s; before the fix these stayed open for ever.
      await eventually(() => client.closed, `the server to close a socket that sent ${what}`, 8_000);
    }
    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeLessThan(8_000);
    expect(await rejectedTotal(ctx.server.httpUrl, 'http_idle')).toBeGreaterThanOrEqual(4);
  });

  it('leaves honest requests, keep-alive reuse and WebSockets alone', async () => {
    const client = await ctx.tcp('127.0.0.1');
    for (let i = 0; i < 3; i++) {
      client.socket.write('GET /healthz HTTP/1.1\r\nHost: tandem\r\n\r\n');
      await eventually(() => client.received().toString().split('"status":"ok"').length === i + 2, `answer ${i + 1}`);
      // Within the deadline, the next request may come on the same socket.
      await sleep(HANDSHAKE_TIMEOUT_MS / 3);
    }
    expect(client.closed).toBe(false);
    const peer = await ctx.peer(uniqueRoom('honest'), '127.0.0.1');
    peer.requestDocument();
    await sleep(HANDSHAKE_TIMEOUT_MS * 3);
    expect(peer.closeCode).toBeNull();
  });
});

describe('H8/H7: MAX_CONNECTIONS_PER_ADDRESS', () => {
  const CAP = 4;
  const ctx = serverWith({
    MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
    TRUSTED_PROXIES: '127.0.0.1',
    HANDSHAKE_TIMEOUT_MS: '20000',
  });

  it('refuses further sockets from an address at its cap, at TCP accept, while other addresses still connect', async () => {
    const before = await rejectedTotal(ctx.server.httpUrl, 'address_connections');
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await ctx.tcp('127.0.0.2'));
    // The next one is closed at once, before anything it sends is read; a forged header
    // does not help, since 127.0.0.2 is no trusted proxy.
    const refused = await ctx.tcp('127.0.0.2');
    refused.socket.write(
      `GET /sync/${uniqueRoom('spoof')} HTTP/1.1\r\nHost: tandem\r\nX-Forwarded-For: 203.0.113.50\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await eventually(() => refused.closed, 'the socket over the cap to be closed', 5_000);
    expect(refused.received().length).toBe(0);
    await expect(healthzFrom(ctx.server.port, '127.0.0.2')).rejects.toThrow();
    expect(await rejectedTotal(ctx.server.httpUrl, 'address_connections')).toBeGreaterThan(before);
    expect(held.every((client) => !client.closed)).toBe(true);

    // Another direct address, and a client forwarded by the trusted proxy, are unaffected.
    expect(await healthzFrom(ctx.server.port, '127.0.0.3')).toBe(200);
    const room = uniqueRoom('other-address');
    const direct = await ctx.peer(room, '127.0.0.3');
    const forwarded = await ctx.peer(room, '127.0.0.1', '203.0.113.7');
    direct.requestDocument();
    forwarded.requestDocument();
    direct.send(updateFrame(updateFrom((text) => text.insert(0, 'still open to others'))));
    await eventually(() => forwarded.text.toString() === 'still open to others', 'the edit to reach the forwarded client');

    // A place frees up when a socket closes.
    held.pop()!.destroy();
    await expect.poll(() => healthzFrom(ctx.server.port, '127.0.0.2').catch(() => 0), { timeout: 5_000 }).toBe(200);
  });

  it('counts WebSockets through a trusted proxy by the forwarded address: over the cap closes with 4529', async () => {
    const before = await rejectedTotal(ctx.server.httpUrl, 'address_connections');
    const room = uniqueRoom('proxied');
    const peers = [];
    // What the client wrote into the header (left of the proxy's own entry) changes nothing.
    for (let i = 0; i < CAP; i++) peers.push(await ctx.peer(room, '127.0.0.1', `10.${i}.0.1, 198.51.100.20`));
    const over = await ctx.peer(room, '127.0.0.1', '5.6.7.8, 198.51.100.20');
    expect(await over.closed()).toBe(CloseCode.TOO_MANY_CONNECTIONS);
    expect(await rejectedTotal(ctx.server.httpUrl, 'address_connections')).toBe(before + 1);
    await sleep(200);
    expect(peers.every((peer) => peer.closeCode === null)).toBe(true);
    // The same proxy still carries everyone else.
    const someoneElse = await ctx.peer(room, '127.0.0.1', '198.51.100.21');
    someoneElse.requestDocument();
    await eventually(() => someoneElse.frames.length > 0, 'the other client to be answered');
    expect(someoneElse.closeCode).toBeNull();
  });
});

describe('H8: MAX_HTTP_CONNECTIONS', () => {
  const CAP = 3;
  const ctx = serverWith({ MAX_HTTP_CONNECTIONS: String(CAP), HANDSHAKE_TIMEOUT_MS: '20000' });

  it('closes connections past the total cap at once, counts them, and takes new ones once a place frees up', async () => {
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await ctx.tcp(`127.0.0.${i + 2}`));
    const refused = await ctx.tcp('127.0.0.9');
    await eventually(() => refused.closed, 'the connection past the cap to be closed', 5_000);
    expect(held.every((client) => !client.closed)).toBe(true);
    held.pop()!.destroy();
    await expect.poll(() => healthzFrom(ctx.server.port, '127.0.0.9').catch(() => 0), { timeout: 5_000 }).toBe(200);
    expect(await rejectedTotal(ctx.server.httpUrl, 'http_connections')).toBeGreaterThanOrEqual(1);
  });
});

describe('H7: squatting made-up rooms under MAX_LOADED_ROOMS', () => {
  const MAX_LOADED_ROOMS = 20;
  const ROOMS_PER_ADDRESS = 5;
  const ctx = serverWith({
    MAX_LOADED_ROOMS: String(MAX_LOADED_ROOMS),
    MAX_ROOMS_PER_ADDRESS: String(ROOMS_PER_ADDRESS),
    TRUSTED_PROXIES: '127.0.0.1',
  });

  it('caps the rooms one address holds, unloads idle empty rooms for newcomers, and never a room with content', async () => {
    // An existing document, written earlier and unloaded since.
    const existing = uniqueRoom('existing');
    const author = await ctx.peer(existing, '127.0.0.1', '192.0.2.1');
    author.requestDocument();
    author.send(updateFrame(updateFrom((text) => text.insert(0, 'the existing document'))));
    await expect.poll(() => metricValue(ctx.server.httpUrl, 'tandem_updates_received_total')).toBeGreaterThan(0);
    await sleep(300);
    author.destroy();
    await eventually(() => ctx.server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(existing)), 'the document to unload');
    // Someone writing in a room right now: never unloaded for a newcomer.
    const busyRoom = uniqueRoom('busy');
    const writer = await ctx.peer(busyRoom, '127.0.0.1', '192.0.2.3');
    writer.requestDocument();
    writer.send(updateFrame(updateFrom((text) => text.insert(0, 'work in progress'))));
    await sleep(300);

    // The attacker, from eight addresses, opens idle sockets to twice as many made-up rooms
    // as the server holds, and one more per address than it may.
    const squatters: RawPeer[] = [];
    for (let address = 1; address <= 8; address++) {
      for (let i = 0; i <= ROOMS_PER_ADDRESS; i++) {
        const peer = await ctx.peer(uniqueRoom('squat'), '127.0.0.1', `10.66.0.${address}`);
        peer.requestDocument();
        squatters.push(peer);
      }
    }
    await eventually(() => squatters.every((peer) => peer.closeCode !== null || peer.frames.length > 0), 'every squatter to be answered or closed');
    const codes = squatters.map((peer) => peer.closeCode);
    expect(codes.filter((code) => code === CloseCode.TOO_MANY_CONNECTIONS)).toHaveLength(8);
    expect(await rejectedTotal(ctx.server.httpUrl, 'address_rooms')).toBe(8);
    // Newcomers took the place of the longest-idle empty rooms; their members may come back.
    expect(codes.filter((code) => code === CloseCode.SERVER_BUSY).length).toBeGreaterThan(0);
    expect(await rejectedTotal(ctx.server.httpUrl, 'idle_room_evicted')).toBeGreaterThan(0);
    expect(await rejectedTotal(ctx.server.httpUrl, 'server_busy')).toBe(0);
    expect(await metricValue(ctx.server.httpUrl, 'tandem_rooms_loaded')).toBeLessThanOrEqual(MAX_LOADED_ROOMS);

    // An honest user opens the existing document, and a new one, and both work.
    const reader = await ctx.peer(existing, '127.0.0.1', '192.0.2.2');
    reader.requestDocument();
    await eventually(() => reader.text.toString() === 'the existing document', 'the existing document to arrive');
    const fresh = uniqueRoom('fresh');
    const newAuthor = await ctx.peer(fresh, '127.0.0.1', '192.0.2.2');
    const newReader = await ctx.peer(fresh, '127.0.0.1', '192.0.2.4');
    newAuthor.requestDocument();
    newReader.requestDocument();
    newAuthor.send(updateFrame(updateFrom((text) => text.insert(0, 'a new document'))));
    await eventually(() => newReader.text.toString() === 'a new document', 'the new document to sync');
    for (const peer of [reader, newAuthor, newReader]) expect(peer.closeCode).toBeNull();
    // The room with content kept its writer through all of this.
    expect(writer.closeCode).toBeNull();
    const check = await ctx.peer(busyRoom, '127.0.0.1', '192.0.2.5');
    check.requestDocument();
    await eventually(() => check.text.toString() === 'work in progress', 'the busy room to hold its writing');
    writer.send(updateFrame(updateFrom((text) => text.insert(0, 'more '), check.doc)));
    await eventually(() => check.text.toString() === 'more work in progress', 'the writer to go on writing');
  });
});

describe('M2: WebSocket messages started and never finished', () => {
  const TIMEOUT_MS = 500;
  const ctx = serverWith({ MESSAGE_ASSEMBLY_TIMEOUT_MS: String(TIMEOUT_MS) });
  /** Sends an unsolicited pong (liveness, as a ping answer would be) every 100 ms. */
  const keepAlive = (peer: RawPeer) => {
    const timer = setInterval(() => peer.socket.pong(), 100);
    peer.socket.once('close', () => clearInterval(timer));
    ctx.open.push({ destroy: () => clearInterval(timer) });
  };

  it('closes a connection holding a first fragment (FIN=0) with 4524, however lively it is otherwise', async () => {
    const peer = await ctx.peer(uniqueRoom('fragment'), '127.0.0.1');
    peer.requestDocument();
    await eventually(() => peer.frames.length > 0, 'the handshake');
    const big = updateFrame(updateFrom((text) => text.insert(0, 'x'.repeat(50_000))));
    peer.socket.send(big.subarray(0, 40_000), { binary: true, fin: false });
    keepAlive(peer);
    expect(await peer.closed(10_000)).toBe(CloseCode.MESSAGE_TIMEOUT);
    expect(await rejectedTotal(ctx.server.httpUrl, 'message_timeout')).toBeGreaterThanOrEqual(1);
    expect(ctx.server.logs.some((entry) => entry.msg === LogMessage.messageTimeout)).toBe(true);
  });

  it('closes a connection whose one large frame arrives only in part, with 4524', async () => {
    const socket = await rawWebSocket(ctx.server.port, `/sync/${uniqueRoom('slow-frame')}`);
    ctx.open.push(socket);
    socket.socket.write(clientFrame(0x2, syncStep1Frame(new Y.Doc())));
    // A header announcing 60 kB, then a little of it, then only pongs.
    socket.socket.write(Buffer.concat([Buffer.from([0x82, 0xfe, 60_000 >> 8, 60_000 & 0xff]), crypto.randomBytes(4), Buffer.alloc(100)]));
    const pongs = setInterval(() => socket.socket.write(clientFrame(0xa, new Uint8Array())), 100);
    ctx.open.push({ destroy: () => clearInterval(pongs) });
    await eventually(() => socket.closeCode() !== null, 'the server to close the slow frame', 10_000);
    clearInterval(pongs);
    expect(socket.closeCode()).toBe(CloseCode.MESSAGE_TIMEOUT);
  });

  it('never closes an idle honest client that answers pings, nor one sending a fragmented message in time', async () => {
    const room = uniqueRoom('honest');
    const idle = await ctx.peer(room, '127.0.0.1');
    idle.requestDocument();
    keepAlive(idle);
    const writer = await ctx.peer(room, '127.0.0.1');
    writer.requestDocument();
    keepAlive(writer);
    const frame = updateFrame(updateFrom((text) => text.insert(0, 'sent in three parts')));
    writer.socket.send(frame.subarray(0, 10), { binary: true, fin: false });
    await sleep(TIMEOUT_MS / 3);
    writer.socket.send(frame.subarray(10, 20), { binary: true, fin: false });
    await sleep(TIMEOUT_MS / 3);
    writer.socket.send(frame.subarray(20), { binary: true, fin: true });
    await eventually(() => idle.text.toString() === 'sent in three parts', 'the fragmented edit to arrive');
    await sleep(TIMEOUT_MS * 4);
    expect(idle.closeCode).toBeNull();
    expect(writer.closeCode).toBeNull();
  });
});

/** A masked client frame (FIN=1) with `opcode`, as RFC 6455 wants from clients. */
function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const mask = crypto.randomBytes(4);
  const length = payload.byteLength;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | length])
      : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([header, mask, masked]);
}

/** A WebSocket opened by hand over TCP, to send frames `ws` would never send. */
async function rawWebSocket(port: number, path: string): Promise<{ socket: net.Socket; closeCode(): number | null; destroy(): void }> {
  const client = await connectTcp(port, '127.0.0.1');
  client.socket.write(
    `GET ${path} HTTP/1.1\r\nHost: tandem\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n\r\n`,
  );
  await eventually(() => client.received().includes('\r\n\r\n'), 'the 101 response');
  expect(client.received().toString()).toMatch(/^HTTP\/1.1 101/);
  const headerEnd = client.received().indexOf('\r\n\r\n') + 4;
  return {
    socket: client.socket,
    destroy: client.destroy,
    closeCode() {
      // Server frames are unmasked: find the close frame (0x88) among them.
      const frames = client.received().subarray(headerEnd);
      let offset = 0;
      while (offset + 2 <= frames.length) {
        const opcode = frames[offset] & 0x0f;
        let length = frames[offset + 1] & 0x7f;
        let start = offset + 2;
        if (length === 126) {
          length = frames.readUInt16BE(offset + 2);
          start += 2;
        } else if (length === 127) {
          length = Number(frames.readBigUInt64BE(offset + 2));
          start += 8;
        }
        if (opcode === 0x8 && start + 2 <= frames.length) return frames.readUInt16BE(start);
        offset = start + length;
      }
      return client.closed ? 1006 : null;
    },
  };
}
