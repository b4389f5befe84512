/**
 * An attacker process (forked by bench/scenarios/floods.ts): it runs one flood from the
 * security review against a Tandem server until told to stop, from its own loopback address
 * (127.0.0.2) so per-address limits tell it apart from the honest clients on 127.0.0.1, and
 * in its own process so it never takes event-loop time from the clients that measure. It
 * says `attacking` once the flood is at full strength, and reports what happened to it.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MessageType } from '../../lib/protocol/sync-protocol';
import { presenceFrame } from '../../test/support/frames';
import { RawWs, stalledRequest, type RawWsOptions } from './raw-ws';

export const ATTACKER_ADDRESS = '127.0.0.2';

export type FloodSpec =
  /** H6: sync step 1s naming a made-up client on a view link; one socket reads, one never does. */
  | { kind: 'step1'; viewPath: string; framesPerSecond: number }
  /** H11: presence frames of ~1 MiB, each full of made-up client ids. */
  | { kind: 'presence'; room: string; sockets: number; framesPerSecond: number; frameBytes: number }
  /** M1: a view socket sending ~1 MiB struct-dense updates, as fast as the server reads them. */
  | { kind: 'view-updates'; viewPath: string; updateBytes: number }
  /** H7: idle sockets, each to its own made-up room. */
  | { kind: 'squat'; sockets: number; roomPrefix: string }
  /** H8: TCP connections that send half an HTTP request and then nothing; reopened when closed. */
  | { kind: 'slowloris'; connections: number }
  /** H12: an editor sending big updates at its rate limit, moving to a new room when one is full. */
  | { kind: 'editor'; roomPrefix: string; framesPerSecond: number; updateBytes: number };

export interface FloodStart {
  type: 'start';
  port: number;
  spec: FloodSpec;
}

/** What became of the attacker. */
export interface FloodOutcome {
  type: 'outcome';
  socketsOpened: number;
  /** Upgrades refused or connections failed before the upgrade. */
  refused: number;
  framesSent: number;
  bytesSent: number;
  bytesReceived: number;
  /** Close codes the server sent (1006: the connection just ended), with counts. */
  closeCodes: Record<string, number>;
  /** Sockets still open when the flood stopped. */
  stillOpen: number;
  /** Times the attacker came back after a close or refusal. */
  reconnects: number;
  /** Anything else worth a line in the report. */
  notes: string[];
}

const host = '127.0.0.1';
let stopping = false;
const sockets: RawWs[] = [];
let refused = 0;
/** Slowloris connections started (they never become WebSockets). */
let stalledOpened = 0;
const notes: string[] = [];
const refusals = new Map<string, number>();

function syncFrame(syncType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SYNC);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

const STEP1 = 0;
const UPDATE = 2;
/** A state vector naming a client the document has never seen: no cached answer fits it. */
const MADE_UP_STATE_VECTOR = (() => {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, 987_654_321);
  encoding.writeVarUint(encoder, 1);
  return encoding.toUint8Array(encoder);
})();

async function open(options: Partial<RawWsOptions>, path: string): Promise<RawWs | null> {
  const { ws, ok } = await RawWs.open({ host, port, localAddress: ATTACKER_ADDRESS, ...options }, path);
  if (!ok) {
    refused++;
    const why = ws.failure ?? `closed ${ws.closeCode}`;
    refusals.set(why, (refusals.get(why) ?? 0) + 1);
    return null;
  }
  sockets.push(ws);
  return ws;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `send` `perSecond` times a second until the flood stops or `send` returns false. It
 * yields every 10 ms (so `stop` and incoming frames are seen) and never runs up a debt of more
 * than a second's worth when sending is slower than the rate.
 */
async function paced(perSecond: number, send: () => boolean): Promise<void> {
  const started = performance.now();
  let sent = 0;
  while (!stopping) {
    const sliceStart = performance.now();
    const due = Math.floor(((sliceStart - started) / 1000) * perSecond);
    sent = Math.max(sent, due - perSecond);
    while (sent < due && performance.now() - sliceStart < 10) {
      if (!send()) return;
      sent++;
    }
    await sleep(sent < due ? 0 : 10);
  }
}

/** Waits until `ws` has handed its queue to the kernel (the server is reading), or it closed. */
async function drained(ws: RawWs, belowBytes: number): Promise<void> {
  while (!stopping && ws.isOpen && ws.writableLength > belowBytes) await sleep(5);
}

/** The largest `build(count)` whose bytes stay within `bytes` (sizes grow with count, a little faster than linearly). */
function fitting(bytes: number, build: (count: number) => Uint8Array): Uint8Array {
  let count = Math.floor(bytes / (build(1_000).byteLength / 1_000));
  for (;;) {
    const built = build(count);
    if (built.byteLength <= bytes) return built;
    count = Math.floor(count * 0.98);
  }
}

/** Characters typed backwards, one struct each (none merge): an update costly to decode for its size. */
function typedBackwards(count: number): Uint8Array {
  const doc = new Y.Doc();
  const text = doc.getText('title');
  doc.transact(() => {
    for (let i = 0; i < count; i++) text.insert(0, 'x');
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

let port = 0;

/** Resolves when the parent says stop. */
let markStopped = () => {};
const stopped = new Promise<void>((resolve) => (markStopped = resolve));
/** Times a socket of the flood was closed (or refused) and the attacker came back. */
let reconnects = 0;

/**
 * Keeps one attacking socket to `path()` going: runs `use` on it and, whenever the server closes
 * it or refuses it, comes back a second later, as a determined attacker would.
 */
async function persistently(path: () => string, options: Partial<RawWsOptions>, use: (ws: RawWs) => Promise<void>): Promise<void> {
  for (let first = true; !stopping; first = false) {
    if (!first) {
      reconnects++;
      await Promise.race([sleep(1_000), stopped]);
      if (stopping) return;
    }
    const ws = await open(options, path());
    if (ws) await use(ws);
  }
}

/** Until the flood stops or the server closes `ws`. */
const held = (ws: RawWs) => Promise.race([ws.closed, stopped]);

async function attack(spec: FloodSpec, attacking: () => void): Promise<void> {
  if (spec.kind === 'step1') {
    const frame = syncFrame(STEP1, MADE_UP_STATE_VECTOR);
    const flood = (ws: RawWs) => paced(spec.framesPerSecond, () => (ws.send(frame), ws.isOpen));
    attacking();
    await Promise.all([
      persistently(() => spec.viewPath, {}, flood),
      persistently(() => spec.viewPath, { read: false }, flood),
    ]);
  } else if (spec.kind === 'presence') {
    const state = { user: { name: 'flood', color: '#123456' }, lastActive: 1 };
    const frames = Array.from({ length: 4 }, (_, i) =>
      fitting(spec.frameBytes, (count) =>
        presenceFrame(Array.from({ length: count }, (_, id) => ({ clientId: 1_000_000 * (i + 1) + id, clock: 1, state }))),
      ),
    );
    const entries = frames[0].byteLength / (presenceFrame([{ clientId: 1_000_000, clock: 1, state }]).byteLength - 2);
    notes.push(`about ${Math.round(entries / 1000)}k made-up presence ids per ${kib(frames[0].byteLength)} KiB frame`);
    attacking();
    await Promise.all(
      Array.from({ length: spec.sockets }, (_, i) =>
        persistently(() => `/sync/${spec.room}`, {}, (ws) => paced(spec.framesPerSecond, () => (ws.send(frames[i % frames.length]), ws.isOpen))),
      ),
    );
  } else if (spec.kind === 'view-updates') {
    const frame = syncFrame(UPDATE, fitting(spec.updateBytes, typedBackwards));
    notes.push(`${kib(frame.byteLength)} KiB update frames`);
    attacking();
    await persistently(() => spec.viewPath, {}, async (ws) => {
      while (ws.isOpen && !stopping) {
        ws.send(frame);
        await drained(ws, frame.byteLength);
      }
    });
  } else if (spec.kind === 'squat') {
    const hello = syncFrame(STEP1, Uint8Array.of(0));
    let room = 0;
    const holders: Promise<void>[] = [];
    // Opened 32 at a time at first (as fast as the server lets them in), then each holder on its own.
    for (let i = 0; i < spec.sockets && !stopping; i += 32) {
      const batch = Array.from({ length: Math.min(32, spec.sockets - i) }, () => {
        let first: () => void = () => {};
        const opened = new Promise<void>((resolve) => (first = resolve));
        holders.push(
          persistently(() => `/sync/${spec.roomPrefix}-${room++}`, {}, async (ws) => {
            first();
            ws.send(hello);
            await held(ws);
          }).finally(() => first()),
        );
        return Promise.race([opened, sleep(2_000)]);
      });
      await Promise.all(batch);
    }
    attacking();
    await Promise.all(holders);
  } else if (spec.kind === 'slowloris') {
    let openNow = 0;
    const keep = async () => {
      while (!stopping) {
        const { socket, closed } = stalledRequest({ host, port, localAddress: ATTACKER_ADDRESS }, '/sync/stalled');
        const openedAt = performance.now();
        stalledOpened++;
        openNow++;
        await Promise.race([closed, stopped]);
        openNow--;
        socket.destroy();
        if (stopping) return;
        reconnects++;
        // Reopened at once, unless the server closed it straight away (then a second later, not in a tight loop).
        await sleep(performance.now() - openedAt < 1_000 ? 1_000 : 100);
      }
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < spec.connections; i++) {
      all.push(keep());
      if (i % 100 === 99) await sleep(10);
    }
    await sleep(500);
    attacking();
    await stopped;
    notes.push(`${openNow} stalled connections open at the end`);
    await Promise.race([Promise.all(all), sleep(1000)]);
  } else {
    let room = 0;
    let rooms = 0;
    const text = 'x'.repeat(spec.updateBytes);
    attacking();
    // A new room each time: the last one is full (4413), or the server closed us for another reason.
    await persistently(() => `/sync/${spec.roomPrefix}-${room++}`, {}, async (ws) => {
      rooms++;
      ws.send(syncFrame(STEP1, Uint8Array.of(0)));
      const doc = new Y.Doc();
      const typed = doc.getText('title');
      let update: Uint8Array = new Uint8Array();
      doc.on('update', (u: Uint8Array) => (update = u));
      await paced(spec.framesPerSecond, () => {
        if (!ws.isOpen) return false;
        // Only as fast as the server reads: beyond that the bytes would just queue here.
        if (ws.writableLength > 4 * spec.updateBytes) return true;
        // Typed at the start: Yjs finds that position at once (appending gets slower as the text grows).
        typed.insert(0, text);
        ws.send(syncFrame(UPDATE, update));
        return true;
      });
      doc.destroy();
    });
    notes.push(`${rooms} room(s) written`);
  }
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

function outcome(): FloodOutcome {
  const closeCodes: Record<string, number> = {};
  for (const ws of sockets) if (ws.closeCode !== null) closeCodes[ws.closeCode] = (closeCodes[ws.closeCode] ?? 0) + 1;
  for (const [why, count] of refusals) notes.push(`${count}× refused: ${why}`);
  const silent = sockets.filter((ws) => !ws.reads);
  if (silent.length > 0) {
    notes.push(`${silent.length} non-reading socket(s), ${silent.filter((ws) => ws.isOpen).length} still open at the end (what they do not read waits in the server)`);
  }
  return {
    type: 'outcome',
    socketsOpened: sockets.length + stalledOpened,
    refused,
    framesSent: sockets.reduce((sum, ws) => sum + ws.framesSent, 0),
    bytesSent: sockets.reduce((sum, ws) => sum + ws.bytesSent, 0),
    bytesReceived: sockets.reduce((sum, ws) => sum + ws.bytesReceived, 0),
    closeCodes,
    stillOpen: sockets.filter((ws) => ws.isOpen).length,
    reconnects,
    notes,
  };
}

let running: Promise<void> | null = null;

process.on('message', (message: FloodStart | { type: 'stop' | 'exit' }) => {
  if (message.type === 'exit') process.exit(0);
  if (message.type === 'start') {
    port = message.port;
    running = attack(message.spec, () => process.send!({ type: 'attacking' })).catch((error: Error) => {
      process.send!({ type: 'error', message: error.stack ?? error.message });
    });
  } else if (message.type === 'stop') {
    stopping = true;
    markStopped();
    void Promise.race([running, sleep(3_000)]).then(() => {
      process.send!(outcome());
      for (const ws of sockets) ws.destroy();
      setTimeout(() => process.exit(0), 100);
    });
  }
});
