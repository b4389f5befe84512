/**
 * An attacker process (forked by bench/scenarios/floods.ts): it runs one flood from the
 * security review against a Tandem server until told to stop, from its own loopback address
 * (127.0.0.2) so per-address limits tell it apart from the honest clients on 127.0.0.1, and
 * in its own process so it never takes event-loop time from the clients that measure. It
 * says `attacking` once the flood is at full strength, and reports what happened to it.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MessageType } from '../../lib/sync-protocol';
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

async function attack(spec: FloodSpec, attacking: () => void): Promise<void> {
  if (spec.kind === 'step1') {
    const frame = syncFrame(STEP1, MADE_UP_STATE_VECTOR);
    const reader = await open({}, spec.viewPath);
    const stalled = await open({ read: false }, spec.viewPath);
    attacking();
    await Promise.all(
      [reader, stalled].map((ws) =>
        ws ? paced(spec.framesPerSecond, () => (ws.send(frame), ws.isOpen)) : Promise.resolve(),
      ),
    );
    notes.push(`reading socket received ${mib(reader?.bytesReceived ?? 0)} MiB for ${kib(reader?.bytesSent ?? 0)} KiB sent`);
    notes.push(`non-reading socket ${stalled?.isOpen ? 'still open' : `ended (${stalled?.failure ?? stalled?.closeCode})`}`);
  } else if (spec.kind === 'presence') {
    const state = { user: { name: 'flood', color: '#123456' }, lastActive: 1 };
    const frames = Array.from({ length: 4 }, (_, i) =>
      fitting(spec.frameBytes, (count) =>
        presenceFrame(Array.from({ length: count }, (_, id) => ({ clientId: 1_000_000 * (i + 1) + id, clock: 1, state }))),
      ),
    );
    const entries = frames[0].byteLength / (presenceFrame([{ clientId: 1_000_000, clock: 1, state }]).byteLength - 2);
    const opened = await Promise.all(Array.from({ length: spec.sockets }, () => open({}, `/sync/${spec.room}`)));
    attacking();
    await Promise.all(
      opened.map((ws, i) =>
        ws ? paced(spec.framesPerSecond, () => (ws.send(frames[i % frames.length]), ws.isOpen)) : Promise.resolve(),
      ),
    );
    notes.push(`about ${Math.round(entries / 1000)}k made-up presence ids per ${kib(frames[0].byteLength)} KiB frame`);
  } else if (spec.kind === 'view-updates') {
    const frame = syncFrame(UPDATE, fitting(spec.updateBytes, typedBackwards));
    const ws = await open({}, spec.viewPath);
    attacking();
    while (ws && ws.isOpen && !stopping) {
      ws.send(frame);
      await drained(ws, frame.byteLength);
    }
    notes.push(`${kib(frame.byteLength)} KiB update frames`);
  } else if (spec.kind === 'squat') {
    const hello = syncFrame(STEP1, Uint8Array.of(0));
    let next = 0;
    const lanes = Array.from({ length: 32 }, async () => {
      while (next < spec.sockets && !stopping) {
        const ws = await open({}, `/sync/${spec.roomPrefix}-${next++}`);
        ws?.send(hello);
      }
    });
    await Promise.all(lanes);
    attacking();
    while (!stopping) await sleep(50);
  } else if (spec.kind === 'slowloris') {
    let openNow = 0;
    let reopened = 0;
    let allStarted = false;
    const keep = async () => {
      while (!stopping) {
        const { socket, closed } = stalledRequest({ host, port, localAddress: ATTACKER_ADDRESS }, '/sync/stalled');
        stalledOpened++;
        openNow++;
        await closed;
        openNow--;
        if (stopping) return;
        reopened++;
        socket.destroy();
        // A closed connection is reopened at once: the attacker keeps its count.
        await sleep(allStarted ? 100 : 0);
      }
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < spec.connections; i++) {
      all.push(keep());
      if (i % 100 === 99) await sleep(10);
    }
    allStarted = true;
    await sleep(500);
    attacking();
    while (!stopping) await sleep(50);
    notes.push(`${openNow} stalled connections open at the end; ${reopened} reopened after the server closed them`);
    await Promise.race([Promise.all(all), sleep(1000)]);
  } else {
    let room = 0;
    let rooms = 0;
    const text = 'x'.repeat(spec.updateBytes);
    attacking();
    while (!stopping) {
      const ws = await open({}, `/sync/${spec.roomPrefix}-${room++}`);
      if (!ws) {
        await sleep(50);
        continue;
      }
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
      if (!stopping) await ws.closed;
    }
    notes.push(`${rooms} room(s) written`);
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(1);

function outcome(): FloodOutcome {
  const closeCodes: Record<string, number> = {};
  for (const ws of sockets) if (ws.closeCode !== null) closeCodes[ws.closeCode] = (closeCodes[ws.closeCode] ?? 0) + 1;
  for (const [why, count] of refusals) notes.push(`${count} × refused: ${why}`);
  return {
    type: 'outcome',
    socketsOpened: sockets.length + stalledOpened,
    refused,
    framesSent: sockets.reduce((sum, ws) => sum + ws.framesSent, 0),
    bytesSent: sockets.reduce((sum, ws) => sum + ws.bytesSent, 0),
    bytesReceived: sockets.reduce((sum, ws) => sum + ws.bytesReceived, 0),
    closeCodes,
    stillOpen: sockets.filter((ws) => ws.isOpen).length,
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
    void Promise.race([running, sleep(3_000)]).then(() => {
      process.send!(outcome());
      for (const ws of sockets) ws.destroy();
      setTimeout(() => process.exit(0), 100);
    });
  }
});
