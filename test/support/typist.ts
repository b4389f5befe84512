/**
 * Keeps a tracked client typing (one character per update, as a person does, but fast) and
 * keeps the document of what the server has acknowledged as stored (SAVED), so a test can
 * check that a stop, a crash or a backup kept every acknowledged change.
 */
import * as Y from 'yjs';
import { docFromFrames, type TrackedClient } from './tracked-client';
import { eventually, sleep } from './wait';

export interface Typist {
  /** Every change the server acknowledged so far (grows as acks arrive). */
  acked: Y.Doc;
  /** How many updates have been acknowledged, over all sockets. */
  ackedUpdates(): number;
  /** A copy of `acked` as it is now (what a backup or a stop taken now must keep). */
  ackedSnapshot(): Y.Doc;
  /** Stops typing; resolves once the loop has ended. */
  stop(): Promise<void>;
}

/** Starts typing into `client.text`; yields to the event loop every `burst` characters. */
export function startTyping(client: TrackedClient, burst = 10): Typist {
  const acked = new Y.Doc();
  let framesSeen: Uint8Array[] = client.sentDocumentFrames;
  let ackedOnSocket = 0;
  let total = 0;
  client.onAck = (count) => {
    // A new socket starts a new frame list and counts its acks from zero.
    if (client.sentDocumentFrames !== framesSeen) {
      framesSeen = client.sentDocumentFrames;
      ackedOnSocket = 0;
    }
    if (count <= ackedOnSocket) return;
    Y.applyUpdate(acked, Y.encodeStateAsUpdate(docFromFrames(framesSeen.slice(ackedOnSocket), count - ackedOnSocket)));
    total += count - ackedOnSocket;
    ackedOnSocket = count;
  };
  let running = true;
  const loop = (async () => {
    for (let i = 0; running && !client.doc.isDestroyed; i++) {
      client.text.insert(client.text.length, String(i % 10));
      // Pacing, not waiting for something: the server must get turns to store and ack.
      if (i % burst === 0) await sleep(1);
    }
  })();
  return {
    acked,
    ackedUpdates: () => total,
    ackedSnapshot: () => {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(acked));
      return copy;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Starts typing and resolves once `updates` of them are acknowledged. */
export async function typeUntilAcknowledged(client: TrackedClient, updates: number): Promise<Typist> {
  const typing = startTyping(client);
  await eventually(() => typing.ackedUpdates() >= updates, `the typist to get ${updates} updates acknowledged`);
  return typing;
}
