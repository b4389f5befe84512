/**
 * What one client sends reaches the others in the order it sent it, as from a relay that keeps
 * nothing (y-websocket's). A stock editor sends each keystroke's document update and then its
 * caret, which sits on the new letter: a caret relayed ahead of its letter points at text the
 * receiver does not have yet, and the receiver draws twice. Hand-made clients against a real
 * server process, the durable SQLite default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MessageType, SyncMessageType } from '../lib/protocol/sync-protocol';
import { uniqueRoom } from './support/clients';
import { awarenessFrame, updateFrame } from './support/frames';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { startServer, type ServerProcess } from './support/server-process';
import { eventually } from './support/wait';

const KEYSTROKES = 30;

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

/** What `peer` received from its `from`-th frame on: 'text' for an update frame, 'caret' for presence. */
function kindsReceived(peer: RawPeer, from: number): ('text' | 'caret')[] {
  const kinds: ('text' | 'caret')[] = [];
  for (const frame of peer.frames.slice(from)) {
    if (frame[0] === MessageType.SYNC && frame[1] === SyncMessageType.UPDATE) kinds.push('text');
    else if (frame[0] === MessageType.AWARENESS) kinds.push('caret');
  }
  return kinds;
}

describe('the order of what a client sends', () => {
  it('a keystroke reaches the other person before the caret that moved onto it, every time', async () => {
    const room = uniqueRoom('order');
    const typist = await openRawPeer(`${server.syncUrl}/${room}`);
    const reader = await openRawPeer(`${server.syncUrl}/${room}`);
    try {
      // The typist writes the "title" text, one of the document's roots. Counted from here: the
      // reader's handshake is behind it.
      await eventually(() => reader.frames.length > 0 && typist.frames.length > 0, 'both handshakes');
      const before = reader.frames.length;
      const updates: Uint8Array[] = [];
      typist.doc.on('update', (update: Uint8Array) => updates.push(update));
      for (let key = 0; key < KEYSTROKES; key++) {
        typist.text.insert(key, 'x');
        // The caret right after the new letter, as a relative position into it.
        const caret = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(typist.text, key + 1));
        typist.awareness.setLocalState({ user: { name: 'Typist', color: '#175cd3' }, cursor: { anchor: caret, head: caret } });
        // Back to back, as a provider writes them: the server reads both in one go.
        typist.send(updateFrame(updates.shift()!));
        typist.send(awarenessFrame(typist.awareness));
        await eventually(() => reader.text.length === key + 1 && kindsReceived(reader, before).length === 2 * (key + 1), `keystroke ${key} and its caret`);
      }
      expect(kindsReceived(reader, before)).toEqual(Array.from({ length: KEYSTROKES }, () => ['text', 'caret']).flat());
      expect(reader.text.toString()).toBe('x'.repeat(KEYSTROKES));
      expect(typist.closeCode).toBeNull();
    } finally {
      typist.destroy();
      reader.destroy();
    }
  });

  it('presence alone is relayed at once while no document message waits', async () => {
    const room = uniqueRoom('order');
    const first = await openRawPeer(`${server.syncUrl}/${room}`);
    const second = await openRawPeer(`${server.syncUrl}/${room}`);
    try {
      first.announce({ user: { name: 'First', color: '#067647' } });
      await eventually(() => second.awareness.getStates().get(first.awareness.clientID) !== undefined, 'the presence to arrive');
      expect((second.awareness.getStates().get(first.awareness.clientID) as { user: { name: string } }).user.name).toBe('First');
      // Nothing of the document came with it.
      expect(second.doc.store.clients.size).toBe(0);
    } finally {
      first.destroy();
      second.destroy();
    }
  });
});
