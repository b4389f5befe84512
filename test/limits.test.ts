/**
 * Every limit the server enforces, each on its own server process configured through the
 * environment variable that sets it. For each breach: the offending connection gets its named
 * close code (or its upgrade an HTTP status), the server logs it with room and connection id,
 * `tandem_rejected_total{reason}` moves, and everyone else carries on.
 *
 * The close code for a frame over MAX_MESSAGE_BYTES (1009) and that none of it is stored are
 * covered in bad-input.test.ts; here only its log line and counter are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { viewLinkPath } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { awarenessFrame, updateFrame, updateFrom } from './support/frames';
import { metricValue, rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { openRawSocket } from './support/raw-socket';
import { startServer, storedDoc, tempDatabaseUrl, type ServerProcess } from './support/server-process';
import { roomLogId } from '../server/log';
import { LogMessage, type LogMessageText } from '../server/log-messages';
import { eventually, sleep } from './support/wait';

/** Starts a server with `env` for the enclosing describe block; tracks clients to close after. */
function serverWith(env: Record<string, string>) {
  const databaseUrl = tempDatabaseUrl();
  const context = {
    databaseUrl,
    server: null as unknown as ServerProcess,
    open: [] as { destroy(): void }[],
    async editor(room: string): Promise<Client> {
      const client = await connectClient(context.server.syncUrl, room);
      context.open.push(client);
      return client;
    },
    async raw(room: string): Promise<RawPeer> {
      const peer = await openRawPeer(`${context.server.syncUrl}/${room}`);
      context.open.push(peer);
      return peer;
    },
    rejected(reason: string): Promise<number> {
      return rejectedTotal(context.server.httpUrl, reason);
    },
    /**
     * The warning the server logs when it refuses a connection in `room` (waiting a little for
     * it), with `code` when given; undefined if none appears.
     */
    async refusalLog(msg: LogMessageText, room: string, code?: number): Promise<Record<string, unknown> | undefined> {
      const matches = (entry: Record<string, unknown>) =>
        entry.msg === msg && entry.room === roomLogId(room) && (code === undefined || entry.code === code);
      const deadline = Date.now() + 3_000;
      while (!context.server.logs.some(matches) && Date.now() < deadline) {
        await sleep(20);
      }
      return context.server.logs.find(matches);
    },
  };
  beforeAll(async () => {
    context.server = await startServer({ databaseUrl, env });
  });
  afterAll(async () => {
    for (const client of context.open) client.destroy();
    expect(await context.server.stop()).toBe(0);
  });
  return context;
}

/** What a refusal's log entry must hold: a warning (pino level 40) naming room and connection. */
function refusalEntry(room: string) {
  return { level: 40, room: roomLogId(room), conn: expect.any(String) };
}

/** Both clients still exchange edits both ways. */
async function expectStillSyncing(alice: Client, bob: Client, marker: string): Promise<void> {
  alice.text.insert(alice.text.length, ` a:${marker}`);
  bob.text.insert(bob.text.length, ` b:${marker}`);
  await eventually(
    () =>
      alice.text.toString() === bob.text.toString() &&
      alice.text.toString().includes(`a:${marker}`) &&
      alice.text.toString().includes(`b:${marker}`),
    `Alice and Bob to exchange "${marker}"`,
  );
  expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true);
}

describe('MAX_MESSAGE_BYTES', () => {
  const ctx = serverWith({ MAX_MESSAGE_BYTES: String(16 * 1024) });

  it('counts and logs a frame over the limit (its 1009 close is covered in bad-input.test.ts)', async () => {
    const room = uniqueRoom('oversize');
    const before = await ctx.rejected('too_big');
    const peer = await ctx.raw(room);
    peer.send(updateFrame(updateFrom((text) => text.insert(0, 'x'.repeat(20 * 1024)))));
    expect(await peer.closed()).toBe(CloseCode.MESSAGE_TOO_BIG);
    // Soft, so that both are reported when both are missing. refusalLog waits up to 3 s, by
    // which time the counter has long moved if it ever will.
    expect.soft(await ctx.refusalLog(LogMessage.frameTooBig, room)).toMatchObject(refusalEntry(room));
    expect.soft(await ctx.rejected('too_big')).toBe(before + 1);
  });
});

describe('UPDATE_RATE_PER_SECOND / UPDATE_BURST', () => {
  const BURST = 20;
  const ctx = serverWith({ UPDATE_RATE_PER_SECOND: '10', UPDATE_BURST: String(BURST) });

  it('closes a client flooding document updates with 4429; a normal-speed client in the room is unaffected', async () => {
    const room = uniqueRoom('flood');
    const alice = await ctx.editor(room);
    const bob = await ctx.editor(room);
    alice.text.insert(0, 'steady');
    await eventually(() => bob.text.toString() === 'steady', 'Bob to see Alice’s first edit');
    const before = await ctx.rejected('rate_limited');

    // Sixty real, distinct inserts sent back to back: three times the burst. They go to a text
    // of their own, so what gets through is easy to count and never interleaves with Alice's.
    const flooder = await ctx.raw(room);
    const floodDoc = new Y.Doc();
    const floodFrames: Uint8Array[] = [];
    floodDoc.on('update', (update: Uint8Array) => floodFrames.push(updateFrame(update)));
    for (let i = 0; i < 3 * BURST; i++) floodDoc.getText('default').insert(i, '#');
    for (const frame of floodFrames) flooder.send(frame);
    expect(await flooder.closed()).toBe(CloseCode.RATE_LIMITED);
    expect(await ctx.refusalLog(LogMessage.overRateLimit, room, CloseCode.RATE_LIMITED)).toMatchObject(refusalEntry(room));
    expect(await ctx.rejected('rate_limited')).toBe(before + 1);

    // Alice keeps typing at a person's pace after it.
    for (const word of [' and', ' calm', ' typing']) {
      alice.text.insert(alice.text.length, word);
      await sleep(50);
    }
    await eventually(() => bob.text.toString() === 'steady and calm typing', 'Bob to see Alice’s edits');
    await expectStillSyncing(alice, bob, 'after-flood');
    // The burst got through, the rest of the flood did not.
    const floodStored = storedDoc(ctx.databaseUrl, room).getText('default').length;
    expect(floodStored).toBeGreaterThanOrEqual(BURST);
    expect(floodStored).toBeLessThan(3 * BURST);
    floodDoc.destroy();
  });
});

describe('AWARENESS_RATE_PER_SECOND / AWARENESS_BURST', () => {
  const ctx = serverWith({ AWARENESS_RATE_PER_SECOND: '2', AWARENESS_BURST: '5' });

  /** Close codes the server sent to any of `clients` (stock providers). */
  function recordCloses(clients: Client[]): number[] {
    const codes: number[] = [];
    for (const client of clients) client.provider.on('connection-close', (event) => codes.push(event?.code ?? -1));
    return codes;
  }

  const userName = (client: Client, of: Client) =>
    (client.provider.awareness.getStates().get(of.doc.clientID)?.user as { name?: string } | undefined)?.name;

  it('closes a client flooding presence with 4429 and removes its presence; others are unaffected', async () => {
    const room = uniqueRoom('presence');
    const alice = await ctx.editor(room);
    const bob = await ctx.editor(room);
    const closes = recordCloses([alice, bob]);
    const before = await ctx.rejected('rate_limited');

    const flooder = await ctx.raw(room);
    flooder.announce({ lastActive: 0 });
    await eventually(() => bob.provider.awareness.getStates().has(flooder.doc.clientID), 'Bob to see the flooder’s presence');
    for (let i = 1; i <= 30; i++) {
      flooder.awareness.setLocalStateField('lastActive', i);
      flooder.send(awarenessFrame(flooder.awareness));
    }
    expect(await flooder.closed()).toBe(CloseCode.RATE_LIMITED);
    expect(await ctx.refusalLog(LogMessage.overRateLimit, room, CloseCode.RATE_LIMITED)).toMatchObject(refusalEntry(room));
    await eventually(() => !bob.provider.awareness.getStates().has(flooder.doc.clientID), 'the flooder’s presence to vanish');

    // Frames are handled in order: once Bob sees a presence change Alice makes now, the server
    // has handled everything Alice and Bob sent before it.
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    await eventually(() => userName(bob, alice) === 'Alice' || closes.length > 0, 'Bob to see Alice’s presence');
    expect(closes, 'close codes sent to Alice and Bob').toEqual([]);
    expect(await ctx.rejected('rate_limited')).toBe(before + 1);
    await expectStillSyncing(alice, bob, 'after-presence-flood');
  });

  it('never closes people who each stay under the limit, however many share the room', async () => {
    const room = uniqueRoom('crowd');
    const crowd: Client[] = [];
    for (let i = 0; i < 4; i++) crowd.push(await ctx.editor(room));
    const closes = recordCloses(crowd);
    const before = await ctx.rejected('rate_limited');

    // Each person changes presence three times, 600 ms apart: with the first announcement,
    // four frames in 1.8 s, within a burst of 5 at 2 per second. The pause is the pace of the
    // people under test, not a wait for something, so it stays a sleep.
    for (let round = 1; round <= 3; round++) {
      crowd.forEach((client, i) =>
        client.provider.awareness.setLocalStateField('user', { name: `person ${i} round ${round}`, color: '#3538cd' }),
      );
      await sleep(600);
    }
    await eventually(
      () =>
        closes.length > 0 ||
        crowd.every((viewer) => crowd.every((other, i) => userName(viewer, other) === `person ${i} round 3`)),
      'everyone to see everyone’s last presence',
    );
    expect(closes, 'close codes sent to people who stayed under the limit').toEqual([]);
    expect(await ctx.rejected('rate_limited')).toBe(before);
  });
});

describe('MAX_CONNECTIONS_PER_ROOM', () => {
  const ctx = serverWith({ MAX_CONNECTIONS_PER_ROOM: '2' });

  it('closes the connection one over the limit with 4509 while the others keep syncing; other rooms accept', async () => {
    const room = uniqueRoom('full');
    const alice = await ctx.editor(room);
    const bob = await ctx.editor(room);
    const before = await ctx.rejected('room_full');

    const third = await ctx.raw(room);
    expect(await third.closed()).toBe(CloseCode.ROOM_FULL);
    expect(await ctx.refusalLog(LogMessage.roomFull, room, CloseCode.ROOM_FULL)).toMatchObject(refusalEntry(room));
    expect(await ctx.rejected('room_full')).toBe(before + 1);
    await expectStillSyncing(alice, bob, 'full-room');

    const elsewhere = uniqueRoom('elsewhere');
    const carol = await ctx.editor(elsewhere);
    const dave = await ctx.editor(elsewhere);
    await expectStillSyncing(carol, dave, 'other-room');

    // A place frees up when someone leaves.
    bob.destroy();
    await expect.poll(() => metricValue(ctx.server.httpUrl, 'tandem_connections_open')).toBe(3);
    const erin = await ctx.editor(room);
    await expectStillSyncing(alice, erin, 'freed-place');
  });
});

describe('MAX_LOADED_ROOMS', () => {
  const ctx = serverWith({ MAX_LOADED_ROOMS: '2' });

  it('closes a connection to one room too many with 4508 when every loaded room holds content; loaded rooms carry on, and it fits once one unloads', async () => {
    const first = uniqueRoom('first');
    const second = uniqueRoom('second');
    const third = uniqueRoom('third');
    const alice = await ctx.editor(first);
    const bob = await ctx.editor(second);
    // Rooms that hold nothing would make way for the newcomer (hostile-transport.test.ts).
    const received = await metricValue(ctx.server.httpUrl, 'tandem_updates_received_total');
    alice.text.insert(0, 'alice was here');
    bob.text.insert(0, 'bob was here');
    await expect.poll(() => metricValue(ctx.server.httpUrl, 'tandem_updates_received_total')).toBeGreaterThanOrEqual(received + 2);
    const before = await ctx.rejected('server_busy');

    const refused = await ctx.raw(third);
    expect(await refused.closed()).toBe(CloseCode.SERVER_BUSY);
    expect(await ctx.refusalLog(LogMessage.tooManyRooms, third, CloseCode.SERVER_BUSY)).toMatchObject(
      refusalEntry(third),
    );
    expect(await ctx.rejected('server_busy')).toBe(before + 1);

    // Rooms already in memory still take new connections.
    const alice2 = await ctx.editor(first);
    await expectStillSyncing(alice, alice2, 'loaded-room');
    const bob2 = await ctx.editor(second);
    await expectStillSyncing(bob, bob2, 'loaded-room');

    alice.destroy();
    alice2.destroy();
    await eventually(
      () => ctx.server.logs.some((entry) => entry.msg === LogMessage.roomUnloaded && entry.room === roomLogId(first)),
      'the first room to unload',
    );
    const carol = await ctx.editor(third);
    const dave = await ctx.editor(third);
    await expectStillSyncing(carol, dave, 'third-room');
  });
});

describe('HANDSHAKE_TIMEOUT_MS', () => {
  const TIMEOUT_MS = 500;
  const ctx = serverWith({ HANDSHAKE_TIMEOUT_MS: String(TIMEOUT_MS) });

  it('closes a socket that opens and sends nothing with 4408; a stock client is unaffected', async () => {
    const room = uniqueRoom('silent');
    const alice = await ctx.editor(room);
    const before = await ctx.rejected('handshake_timeout');

    const opened = Date.now();
    const silent = await openRawPeer(`${ctx.server.syncUrl}/${room}`);
    ctx.open.push(silent);
    expect(await silent.closed()).toBe(CloseCode.HANDSHAKE_TIMEOUT);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(await ctx.refusalLog(LogMessage.noHandshake, room, CloseCode.HANDSHAKE_TIMEOUT)).toMatchObject(
      refusalEntry(room),
    );
    expect(await ctx.rejected('handshake_timeout')).toBe(before + 1);

    // Alice connected before the silent socket, so her deadline has passed too.
    const bob = await ctx.editor(room);
    await expectStillSyncing(alice, bob, 'after-timeout');
  });
});

describe('MAX_DOCUMENT_BYTES', () => {
  const ctx = serverWith({ MAX_DOCUMENT_BYTES: '4096' });

  it('closes the sender of an update that would push the stored size over the limit with 4413, and stores none of it', async () => {
    const room = uniqueRoom('big');
    const alice = await ctx.editor(room);
    const bob = await ctx.editor(room);
    const body = 'a'.repeat(2_000);
    alice.text.insert(0, body);
    await eventually(() => bob.text.toString() === body, 'Bob to see Alice’s 2,000 characters');
    const before = await ctx.rejected('document_too_large');

    // 2,500 bytes fit on their own, but not on top of the 2,000 stored.
    const peer = await ctx.raw(room);
    peer.send(updateFrame(updateFrom((text) => text.insert(0, 'Z'.repeat(2_500)))));
    expect(await peer.closed()).toBe(CloseCode.DOCUMENT_TOO_LARGE);
    expect(await ctx.refusalLog(LogMessage.documentTooBig, room)).toMatchObject(refusalEntry(room));
    expect(await ctx.rejected('document_too_large')).toBe(before + 1);

    await expectStillSyncing(alice, bob, 'small');
    expect(alice.text.toString()).not.toContain('Z');
    expect(storedDoc(ctx.databaseUrl, room).getText('title').toString()).toBe(alice.text.toString());
  });

  it('refuses a single update larger than the limit in an empty room', async () => {
    const room = uniqueRoom('huge');
    const peer = await ctx.raw(room);
    peer.send(updateFrame(updateFrom((text) => text.insert(0, 'Z'.repeat(5_000)))));
    expect(await peer.closed()).toBe(CloseCode.DOCUMENT_TOO_LARGE);
    expect(storedDoc(ctx.databaseUrl, room).getText('title').toString()).toBe('');
  });
});

describe('ALLOWED_ORIGINS', () => {
  const ALLOWED = 'https://tandem.example';
  const ctx = serverWith({ ALLOWED_ORIGINS: `${ALLOWED}, https://docs.example` });

  it('refuses an upgrade from another origin with HTTP 403, counted and logged', async () => {
    const room = uniqueRoom('origin');
    const before = await ctx.rejected('origin');
    await expect(openRawSocket(`${ctx.server.syncUrl}/${room}`, { origin: 'https://evil.example' })).rejects.toMatchObject({
      status: 403,
    });
    expect(await ctx.rejected('origin')).toBe(before + 1);
    await eventually(
      () => ctx.server.logs.some((entry) => entry.msg === LogMessage.upgradeRefused && entry.status === 403 && entry.path === `/sync/${roomLogId(room)}`),
      'the refusal to be logged',
    );
  });

  it('accepts an allowed origin and clients that send no origin', async () => {
    const room = uniqueRoom('origin');
    const alice = await ctx.editor(room); // Node clients send no Origin header
    alice.text.insert(0, 'from anywhere');
    for (const origin of [ALLOWED, 'https://docs.example']) {
      const browser = await openRawPeer(`${ctx.server.syncUrl}/${room}`, { origin });
      ctx.open.push(browser);
      browser.requestDocument();
      await eventually(() => browser.text.toString() === 'from anywhere', `a client from ${origin} to sync`);
    }
  });

  it('applies the same list to the API', async () => {
    const url = `${ctx.server.httpUrl}${viewLinkPath(uniqueRoom('origin'))}`;
    expect((await fetch(url, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    const allowed = await fetch(url, { headers: { origin: ALLOWED } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });
});
