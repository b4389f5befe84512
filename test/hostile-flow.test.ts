/**
 * Flow control against hostile clients (security review H6, H11, M1), rebuilt with hand-made
 * sockets against a real server process: sync step 1s that name made-up clients, a reader that
 * never reads, a viewer sending megabyte updates, megabyte presence states and frames of made-up
 * presence ids, and an editor sending megabytes back to back. Each is refused with its close
 * code and counted, and the server stays small and answers /healthz throughout.
 */
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { viewLinkPath, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { MessageType, SAVED_ACKS_PARAM, SyncMessageType } from '../lib/protocol/sync-protocol';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { presenceFrame, updateFrame, updateFrom } from './support/frames';
import { rejectedTotal, scrapeMetrics } from './support/metrics';
import { whenOpen } from './support/raw-socket';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually, sleep } from './support/wait';

const MiB = 1024 * 1024;

/** A raw socket that only counts what it gets: it never decodes a document. */
interface Counter {
  socket: WebSocket;
  /** Bytes and frames received. */
  bytes: number;
  frames: number;
  /** Sync step 2 frames received (answers to step 1s), and the largest one's size. */
  answers: number;
  largestAnswer: number;
  /** Read-only notices (y-websocket auth "permission denied") received. */
  denials: number;
  closeCode: number | null;
  closed(timeoutMs?: number): Promise<number>;
  destroy(): void;
}

let lastLoopbackHost = 0;
/**
 * Each raw socket dials from its own loopback address unless told one: an attacker closed for
 * its budget makes its address start the next connections low (flow-control.ts), which must not
 * leak from one test into the next.
 */
async function openCounter(url: string, localAddress = `127.0.1.${++lastLoopbackHost}`): Promise<Counter> {
  const socket = new WebSocket(url, { localAddress });
  const counter: Counter = {
    socket,
    bytes: 0,
    frames: 0,
    answers: 0,
    largestAnswer: 0,
    denials: 0,
    closeCode: null,
    async closed(timeoutMs = 15_000) {
      await eventually(() => counter.closeCode !== null, 'the server to close the socket', timeoutMs);
      return counter.closeCode!;
    },
    destroy() {
      socket.terminate();
    },
  };
  socket.on('message', (data: Buffer) => {
    counter.bytes += data.byteLength;
    counter.frames += 1;
    if (data[0] === MessageType.SYNC && data[1] === SyncMessageType.STEP2) {
      counter.answers += 1;
      counter.largestAnswer = Math.max(counter.largestAnswer, data.byteLength);
    }
    if (data[0] === MessageType.AUTH) counter.denials += 1;
  });
  socket.once('close', (code) => {
    counter.closeCode = code;
  });
  socket.on('error', () => {});
  return whenOpen(socket).then(() => counter);
}

/** A sync step 1 whose state vector names `clients` (client → clock). */
function step1Naming(clients: Map<number, number>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SYNC);
  encoding.writeVarUint(encoder, SyncMessageType.STEP1);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(clients));
  return encoding.toUint8Array(encoder);
}

/** The review's 7-byte step 1: "I hold clock 5 of a client that never wrote here". */
const MADE_UP_STEP1 = step1Naming(new Map([[987_654_321, 5]]));
/** A step 1 from a client that holds nothing: the honest joiner's. */
const EMPTY_STEP1 = step1Naming(new Map());

/** The only author of the seeded document. */
const AUTHOR = 4242;

/**
 * A struct-dense document of about 500 KiB (30,000 separate items): encoding it takes the
 * server tens of milliseconds, as the review's 304 KiB automerge-paper document does.
 */
function sizeableDocument(): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = AUTHOR;
  const text = doc.getText('title');
  for (let i = 0; i < 30_000; i++) text.insert(i % 2 === 0 ? 0 : 8 * Math.floor(i / 4), 'abcdefgh');
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

async function viewIdOf(server: ServerProcess, room: string): Promise<string> {
  const response = await fetch(`${server.httpUrl}${viewLinkPath(room)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as ViewLinkResponse).viewId;
}

const viewUrl = async (server: ServerProcess, room: string) => `${server.syncUrl}/view/${await viewIdOf(server, room)}`;

/** Stores `update` in `room`, and resolves with the size of the whole-document answer a joiner gets. */
async function seed(server: ServerProcess, room: string, update: Uint8Array): Promise<number> {
  const editor = await openCounter(`${server.syncUrl}/${room}?${SAVED_ACKS_PARAM}=1`);
  let saved = false;
  editor.socket.on('message', (data: Buffer) => {
    if (data[0] === MessageType.SAVED) saved = true;
  });
  editor.socket.send(updateFrame(update));
  await eventually(() => saved, 'the seeded document to be stored');
  const reader = await openCounter(`${server.syncUrl}/${room}`);
  try {
    reader.socket.send(EMPTY_STEP1);
    await eventually(() => reader.largestAnswer > update.byteLength / 2, 'a joiner to get the seeded document');
    return reader.largestAnswer;
  } finally {
    editor.destroy();
    reader.destroy();
  }
}

async function serverCpuSeconds(server: ServerProcess): Promise<number> {
  return (await scrapeMetrics(server.httpUrl)).value('process_cpu_seconds_total');
}

async function serverRssBytes(server: ServerProcess): Promise<number> {
  return (await scrapeMetrics(server.httpUrl)).value('process_resident_memory_bytes');
}

/** How often these tests scrape a server they are loading: rarely enough not to add to the load. */
const SCRAPE_INTERVAL_MS = 100;

/** Samples the server's RSS every 100 ms until stopped; resolves with the peak. */
function watchRss(server: ServerProcess): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await serverRssBytes(server));
      await sleep(SCRAPE_INTERVAL_MS);
    }
  })().catch((error: Error) => {
    // The server is gone (a failed test stopped it before stop() was called): stop watching.
    running = false;
    return error;
  });
  return {
    async stop() {
      running = false;
      await loop;
      return Math.max(peak, await serverRssBytes(server));
    },
  };
}

async function healthy(server: ServerProcess): Promise<void> {
  const response = await fetch(`${server.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
}

const open: { destroy(): void }[] = [];
function keep<T extends { destroy(): void }>(thing: T): T {
  open.push(thing);
  return thing;
}
afterAll(() => {
  for (const thing of open.splice(0)) thing.destroy();
});

function serverWith(env: Record<string, string>): { server: ServerProcess } {
  const holder = { server: null as unknown as ServerProcess };
  beforeAll(async () => {
    holder.server = await startServer({ env: { LOG_LEVEL: 'info', ...env } });
  });
  afterAll(async () => {
    for (const thing of open.splice(0)) thing.destroy();
    expect(await holder.server.stop()).toBe(0);
  });
  return holder;
}

describe('sync step 1 amplification (H6), with a small step-1 budget', () => {
  const kit = serverWith({ SYNC_STEP1_BURST: '3', SYNC_STEP1_RATE_PER_MINUTE: '1' });

  it('closes a reading view socket with 4429 after its step-1 budget; what it got is bounded by the budget', async () => {
    const { server } = kit;
    const room = uniqueRoom('step1-budget');
    const wholeDoc = await seed(server, room, sizeableDocument());
    const before = await rejectedTotal(server.httpUrl, 'sync_step1_rate');

    const attacker = keep(await openCounter(await viewUrl(server, room)));
    for (let i = 0; i < 50; i++) attacker.socket.send(MADE_UP_STEP1);
    expect(await attacker.closed()).toBe(CloseCode.RATE_LIMITED);
    expect(await rejectedTotal(server.httpUrl, 'sync_step1_rate')).toBe(before + 1);
    // Three answers (the burst), each the whole document the viewer truly lacks, and nothing more.
    expect(attacker.answers).toBe(3);
    expect(attacker.bytes).toBeLessThan(3 * wholeDoc + 64 * 1024);

    // An honest joiner, one step 1 per connection, is never near the budget.
    const honest = keep(await openCounter(await viewUrl(server, room)));
    honest.socket.send(EMPTY_STEP1);
    await eventually(() => honest.answers === 1, 'an honest viewer to get the document');
    expect(honest.largestAnswer).toBe(wholeDoc);
    expect(honest.closeCode).toBeNull();
    await healthy(server);
  });
});

describe('sync step 1 amplification (H6), with no step-1 budget', () => {
  const kit = serverWith({ SYNC_STEP1_RATE_PER_MINUTE: '0', MAX_SEND_BUFFER_BYTES: String(MiB) });

  it('answers step 1s naming made-up clients from one shared encode, not one encode each', async () => {
    const { server } = kit;
    const room = uniqueRoom('step1-cpu');
    await seed(server, room, sizeableDocument());
    const reader = keep(await openCounter(await viewUrl(server, room)));

    /** Server CPU seconds spent answering `frames`, one at a time (so the reader keeps up). */
    const cpuFor = async (frames: Uint8Array[]): Promise<number> => {
      const cpuBefore = await serverCpuSeconds(server);
      for (const frame of frames) {
        const answered = new Promise((resolve) => {
          const onMessage = (data: Buffer) => {
            if (data[0] !== MessageType.SYNC || data[1] !== SyncMessageType.STEP2) return;
            reader.socket.off('message', onMessage);
            resolve(data);
          };
          reader.socket.on('message', onMessage);
        });
        reader.socket.send(frame);
        await answered;
      }
      return (await serverCpuSeconds(server)) - cpuBefore;
    };
    const N = 80;
    // Each vector a real one, naming a different clock of the author: each needs its own encode.
    const distinct = Array.from({ length: N }, (_, i) => step1Naming(new Map([[AUTHOR, 1 + i]])));
    const madeUp = Array.from({ length: N }, (_, i) => step1Naming(new Map([[1_000_000 + i, 5]])));
    await cpuFor(distinct.slice(0, 5).concat(madeUp.slice(0, 5))); // warm up
    const madeUpCpu = await cpuFor(madeUp);
    const distinctCpu = await cpuFor(distinct);
    // Both send the same bytes (nearly the whole document N times); only encoding differs.
    expect(madeUpCpu).toBeLessThan(distinctCpu / 3);
    expect(reader.closeCode).toBeNull();
  });

  it('closes a view socket that never reads with 4513 once it is MAX_SEND_BUFFER_BYTES behind; the server stays small', async () => {
    const { server } = kit;
    const room = uniqueRoom('step1-noread');
    const wholeDoc = await seed(server, room, sizeableDocument());
    const before = await rejectedTotal(server.httpUrl, 'send_buffer_full');
    const rssBefore = await serverRssBytes(server);
    const rss = watchRss(server);

    const attacker = keep(await openCounter(await viewUrl(server, room)));
    attacker.socket.pause();
    // 600 answers of ~500 KiB: about 300 MB if the server queued them all.
    for (let i = 0; i < 600; i++) attacker.socket.send(MADE_UP_STEP1);
    await eventually(async () => (await rejectedTotal(server.httpUrl, 'send_buffer_full')) > before, 'the server to give up on the non-reader', 20_000, SCRAPE_INTERVAL_MS);
    expect(await rejectedTotal(server.httpUrl, 'send_buffer_full')).toBe(before + 1);
    await healthy(server);
    expect((await rss.stop()) - rssBefore).toBeLessThan(150 * MiB);

    // Once it reads again it gets what was queued before the bound tripped, then the close.
    attacker.socket.resume();
    expect(await attacker.closed()).toBe(CloseCode.SEND_BUFFER_FULL);
    expect(attacker.bytes).toBeLessThan(40 * wholeDoc);
  });
});

/** A sync update frame of exactly `frameBytes` whose payload is bytes no Yjs decoder reads. */
function garbageUpdateFrame(frameBytes: number): Uint8Array {
  const payload = new Uint8Array(frameBytes - 6).fill(0xff);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SYNC);
  encoding.writeVarUint(encoder, SyncMessageType.UPDATE);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** A real update of about `bytes`: many separate one-character items, dense in structs. */
function structDenseUpdate(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  const text = doc.getText('title');
  // Alternating ends: no two inserts merge into one item. About 11 bytes per item.
  doc.transact(() => {
    for (let i = 0; i * 11 < bytes; i++) text.insert(i % 2 === 0 ? 0 : text.length, 'x');
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

describe('a view connection’s writes (M1)', () => {
  const kit = serverWith({});

  it('drops a viewer’s 1 MiB updates by type, never decoding them: undecodable ones are not "malformed"; closed with 4403 after three', async () => {
    const { server } = kit;
    const room = uniqueRoom('viewer-writes');
    const alice = keep(await connectClient(server.syncUrl, room));
    alice.text.insert(0, 'the text');
    const readOnlyBefore = await rejectedTotal(server.httpUrl, 'read_only');
    const malformedBefore = await rejectedTotal(server.httpUrl, 'malformed');
    const closedBefore = await rejectedTotal(server.httpUrl, 'read_only_writes');

    const viewer = keep(await openCounter(await viewUrl(server, room)));
    await eventually(() => viewer.denials === 1, 'the read-only notice on join');
    // A stock viewer answers the server's step 1 once: that passes without a word.
    viewer.socket.send(new Uint8Array([MessageType.SYNC, SyncMessageType.STEP2, 2, 0, 0]));
    const garbage = garbageUpdateFrame(MiB);
    for (let i = 0; i < 6; i++) viewer.socket.send(garbage);
    expect(await viewer.closed()).toBe(CloseCode.READ_ONLY_WRITES);
    expect(viewer.denials).toBe(1 + 3);
    expect(await rejectedTotal(server.httpUrl, 'read_only')).toBe(readOnlyBefore + 3);
    expect(await rejectedTotal(server.httpUrl, 'read_only_writes')).toBe(closedBefore + 1);
    expect(await rejectedTotal(server.httpUrl, 'malformed')).toBe(malformedBefore);
    expect(alice.text.toString()).toBe('the text');
  });

  it('spends next to no CPU on a viewer’s struct-dense 1 MiB updates', async () => {
    const { server } = kit;
    const room = uniqueRoom('viewer-cpu');
    const update = structDenseUpdate(900 * 1024);
    const frame = updateFrame(update);
    expect(frame.byteLength).toBeLessThan(MiB);
    const cpuBefore = await serverCpuSeconds(server);
    // Several viewers (each closed after its allowance) so the flood outlasts one connection.
    for (let v = 0; v < 4; v++) {
      const viewer = keep(await openCounter(await viewUrl(server, room)));
      for (let i = 0; i < 6; i++) viewer.socket.send(frame);
      expect(await viewer.closed()).toBe(CloseCode.READ_ONLY_WRITES);
    }
    // 24 decodes of this update cost over a second here (the review: 163 ms each for 90,000
    // structs); dropping by type costs only reading the frames.
    const decodeMs = (() => {
      const started = performance.now();
      Y.decodeUpdate(update);
      return performance.now() - started;
    })();
    expect(decodeMs).toBeGreaterThan(10);
    expect((await serverCpuSeconds(server)) - cpuBefore).toBeLessThan((24 * decodeMs) / 1000 / 2);
  });
});

describe('byte budget (M1: budget bytes as well as messages, for everyone)', () => {
  const kit = serverWith({ BYTE_RATE_PER_SECOND: String(64 * 1024), BYTE_BURST: String(2 * MiB) });

  it('closes an editor sending 1 MiB updates back to back with 4429 once past its burst; the room carries on', async () => {
    const { server } = kit;
    const room = uniqueRoom('bytes');
    const alice = keep(await connectClient(server.syncUrl, room));
    const before = await rejectedTotal(server.httpUrl, 'byte_budget');
    const flooder = keep(await openCounter(`${server.syncUrl}/${room}`));
    // Each a real paste of 900 KiB: two fit the 2 MiB burst, the third does not.
    const pastes = Array.from({ length: 5 }, (_, i) => updateFrame(updateFrom((text) => text.insert(0, String(i).repeat(900 * 1024)))));
    for (const paste of pastes) flooder.socket.send(paste);
    expect(await flooder.closed()).toBe(CloseCode.RATE_LIMITED);
    expect(await rejectedTotal(server.httpUrl, 'byte_budget')).toBe(before + 1);
    // What fitted was taken; the room still syncs.
    await eventually(() => alice.text.length >= 2 * 900 * 1024, 'the pastes within the burst to reach Alice');
    const bob = keep(await connectClient(server.syncUrl, room));
    bob.text.insert(0, 'still here ');
    await eventually(() => alice.text.toString().startsWith('still here '), 'Bob’s edit to reach Alice');
  });
});

describe('byte budget across reconnects (a flood closed once a second must not get a fresh burst each time)', () => {
  const kit = serverWith({ BYTE_RATE_PER_SECOND: String(64 * 1024), BYTE_BURST: String(2 * MiB) });

  it('starts the next connections of an address just closed for its budget with one second of it; other addresses keep the burst', async () => {
    const { server } = kit;
    const room = uniqueRoom('rebursts');
    const alice = keep(await connectClient(server.syncUrl, room));
    const paste = (mark: string) => updateFrame(updateFrom((text) => text.insert(0, mark.repeat(900 * 1024))));
    const flooder = keep(await openCounter(`${server.syncUrl}/${room}`, '127.0.0.3'));
    for (const mark of ['a', 'b', 'c']) flooder.socket.send(paste(mark));
    expect(await flooder.closed()).toBe(CloseCode.RATE_LIMITED);
    await eventually(() => alice.text.length >= 2 * 900 * 1024, 'the two pastes within the burst to reach Alice');

    // Back at once from the same address: one second's worth (64 KiB), so a 900 KiB paste is over.
    const before = await rejectedTotal(server.httpUrl, 'byte_budget');
    const again = keep(await openCounter(`${server.syncUrl}/${room}`, '127.0.0.3'));
    again.socket.send(paste('d'));
    expect(await again.closed()).toBe(CloseCode.RATE_LIMITED);
    expect(await rejectedTotal(server.httpUrl, 'byte_budget')).toBe(before + 1);

    // Someone else still gets the whole burst.
    const other = keep(await openCounter(`${server.syncUrl}/${room}`, '127.0.0.4'));
    other.socket.send(paste('e'));
    await eventually(() => alice.text.toString().includes('e'.repeat(1000)), 'the other address’s paste to reach Alice');
    expect(other.closeCode).toBeNull();
    expect(alice.text.toString()).not.toContain('d'.repeat(1000));
  });
});

describe('presence floods (H11)', () => {
  const kit = serverWith({ BYTE_RATE_PER_SECOND: String(256 * 1024), BYTE_BURST: String(4 * MiB) });

  /** Two stock clients who see each other's presence: checks the room still works for them. */
  async function pair(server: ServerProcess, room: string): Promise<[Client, Client]> {
    const alice = keep(await connectClient(server.syncUrl, room));
    const bob = keep(await connectClient(server.syncUrl, room));
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    await eventually(() => bob.provider.awareness.getStates().has(alice.doc.clientID), 'Bob to see Alice');
    return [alice, bob];
  }

  async function stillSeeEachOther(alice: Client, bob: Client): Promise<void> {
    const stamp = Date.now() + Math.random();
    alice.provider.awareness.setLocalStateField('lastActive', stamp);
    await eventually(
      () => (bob.provider.awareness.getStates().get(alice.doc.clientID) as { lastActive?: number } | undefined)?.lastActive === stamp,
      'Bob to see Alice’s renewal',
    );
  }

  it('closes four viewers announcing 1 MiB states with 4400 before parsing them', async () => {
    const { server } = kit;
    const room = uniqueRoom('big-states');
    const [alice, bob] = await pair(server, room);
    const before = await rejectedTotal(server.httpUrl, 'presence_too_large');
    const rssBefore = await serverRssBytes(server);
    // Inside Tandem's schema once parsed (whitespace is JSON too): only its size gives it away.
    const padded = `{"user":{"name":"Mallory","color":"#c11574"}${' '.repeat(MiB - 100)}}`;
    const bigFrame = buildRawPresence(31_337, padded);
    const viewers = await Promise.all(Array.from({ length: 4 }, async () => keep(await openCounter(await viewUrl(server, room)))));
    for (const viewer of viewers) viewer.socket.send(bigFrame);
    for (const viewer of viewers) expect(await viewer.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    expect(await rejectedTotal(server.httpUrl, 'presence_too_large')).toBe(before + 4);
    await healthy(server);
    await stillSeeEachOther(alice, bob);
    expect(bob.provider.awareness.getStates().has(31_337)).toBe(false);
    expect((await serverRssBytes(server)) - rssBefore).toBeLessThan(200 * MiB);
  });

  it('closes a socket sending 1 MiB frames of 130,000 made-up ids with 4400 from the entry count, before parsing any', async () => {
    const { server } = kit;
    const room = uniqueRoom('many-ids');
    const [alice, bob] = await pair(server, room);
    const before = await rejectedTotal(server.httpUrl, 'presence_too_large');
    const rssBefore = await serverRssBytes(server);
    const rss = watchRss(server);
    const entries = Array.from({ length: 130_000 }, (_, i) => ({ clientId: 100_000 + i, clock: 1, state: {} }));
    const frame = presenceFrame(entries);
    expect(frame.byteLength).toBeLessThan(MiB);
    const flooder = keep(await openCounter(await viewUrl(server, room)));
    for (let i = 0; i < 20; i++) flooder.socket.send(frame);
    expect(await flooder.closed(30_000)).toBe(CloseCode.MALFORMED_MESSAGE);
    expect(await rejectedTotal(server.httpUrl, 'presence_too_large')).toBe(before + 1);
    await healthy(server);
    await stillSeeEachOther(alice, bob);
    expect((await rss.stop()) - rssBefore).toBeLessThan(300 * MiB);
  });
});

describe('a room’s presence total (H11)', () => {
  const kit = serverWith({ MAX_PRESENCE_BYTES_PER_ROOM: '4096' });

  it('drops and counts states past MAX_PRESENCE_BYTES_PER_ROOM without closing anyone; room comes back once the hoarders leave', async () => {
    const { server } = kit;
    const room = uniqueRoom('presence-total');
    const before = await rejectedTotal(server.httpUrl, 'presence_too_large');
    // A valid state padded (whitespace is JSON) to 1,000 bytes: two ids per socket hold 2,000.
    const padded = (name: string) => `{"user":{"name":"${name}","color":"#c11574"}${' '.repeat(1000 - 45 - name.length)}}`;
    const hoarders = await Promise.all([0, 1, 2].map(async () => keep(await openCounter(await viewUrl(server, room)))));
    let id = 50_000;
    for (const hoarder of hoarders) {
      for (let i = 0; i < 2; i++) hoarder.socket.send(buildRawPresence(id++, padded(`Hoarder ${id}`)));
    }
    await eventually(
      async () => (await rejectedTotal(server.httpUrl, 'presence_too_large')) >= before + 2,
      'the states past the total to be dropped',
      20_000,
      SCRAPE_INTERVAL_MS,
    );
    const watcher = keep(await connectClient(server.syncUrl, room));
    await eventually(() => watcher.provider.awareness.getStates().size === 1 + 4, 'the watcher to see the four states that fit');
    for (const hoarder of hoarders) expect(hoarder.closeCode).toBeNull();

    for (const hoarder of hoarders) hoarder.destroy();
    await eventually(() => watcher.provider.awareness.getStates().size === 1, 'the hoarders’ presence to go with them');
    const alice = keep(await connectClient(server.syncUrl, room));
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#175cd3' });
    await eventually(() => watcher.provider.awareness.getStates().has(alice.doc.clientID), 'Alice’s presence to reach the watcher');
  });
});

/** An awareness frame with one entry whose state is the JSON text `json`, exactly as given. */
function buildRawPresence(clientId: number, json: string): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 1);
  encoding.writeVarUint(update, clientId);
  encoding.writeVarUint(update, 1);
  encoding.writeVarString(update, json);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.AWARENESS);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update));
  return encoding.toUint8Array(encoder);
}
