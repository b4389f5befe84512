/**
 * Security review M6: while the server's event loop is stalled (here by someone's heavy,
 * struct-dense updates), an honest client that did send its first message in time must not be
 * closed with 4408, which the stock client treats as final. The frame it sent counts, even if
 * the server reads it only after the stall.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { uniqueRoom } from './support/clients';
import { syncStep1Frame, updateFrame } from './support/frames';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually, sleep } from './support/wait';

const HANDSHAKE_TIMEOUT_MS = 100;

/** About 1 MiB of tiny map entries: a few hundred milliseconds to decode and apply. */
function heavyUpdate(seed: number): Uint8Array {
  const doc = new Y.Doc();
  const map = doc.getMap('title');
  doc.transact(() => {
    for (let i = 0; i < 45_000; i++) map.set(`${seed}-${i}`, i);
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

describe('a long stall on the server', () => {
  let server: ServerProcess;
  const peers: RawPeer[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS) } });
  });
  afterAll(async () => {
    for (const peer of peers) peer.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('never closes a client with 4408 whose first message arrived before the timeout', async () => {
    const heavy = [1, 2, 3, 4].map(heavyUpdate);
    for (let round = 0; round < 3; round++) {
      const room = uniqueRoom('stall');
      const loader = await openRawPeer(`${server.syncUrl}/${room}`);
      peers.push(loader);
      loader.requestDocument();
      const honest = await openRawPeer(`${server.syncUrl}/${room}`);
      peers.push(honest);
      // The honest client's timer runs from now; the stall starts before its first frame is read.
      for (const update of heavy) loader.send(updateFrame(update));
      await sleep(HANDSHAKE_TIMEOUT_MS / 3);
      honest.send(syncStep1Frame(honest.doc));
      await eventually(() => honest.frames.length >= 2 || honest.closeCode !== null, 'the honest client to be answered or closed', 30_000);
      expect(honest.closeCode, `round ${round}`).not.toBe(CloseCode.HANDSHAKE_TIMEOUT);
      expect(honest.closeCode).toBeNull();
      // Drop this round's peers at once: otherwise this process spends the next round applying
      // the heavy updates forwarded to them, and its next client, stalled on our side, really
      // is late with its upgrade request or first frame.
      loader.socket.terminate();
      honest.socket.terminate();
    }
  });

  it('still closes a client that sends nothing', async () => {
    const silent = await openRawPeer(`${server.syncUrl}/${uniqueRoom('silent')}`);
    peers.push(silent);
    expect(await silent.closed()).toBe(CloseCode.HANDSHAKE_TIMEOUT);
  });
});
