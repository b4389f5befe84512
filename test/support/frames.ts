/**
 * The frames a y-websocket client sends, built with y-protocols' own encoders (not the
 * server's), so tests can send by hand what a stock provider would, or would never, send.
 */
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MessageType } from '../../lib/protocol/sync-protocol';

function syncFrame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SYNC);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** Sync step 1 with `doc`'s state vector: "send me what I lack". */
export function syncStep1Frame(doc: Y.Doc): Uint8Array {
  return syncFrame((encoder) => syncProtocol.writeSyncStep1(encoder, doc));
}

/** Sync step 2 carrying `update` (what a client answers the server's step 1 with). */
export function syncStep2Frame(update: Uint8Array): Uint8Array {
  return syncFrame((encoder) => {
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(encoder, update);
  });
}

/** A live document update frame. */
export function updateFrame(update: Uint8Array): Uint8Array {
  return syncFrame((encoder) => syncProtocol.writeUpdate(encoder, update));
}

/** An awareness frame with the current state of `clientIds` (default: the local client). */
export function awarenessFrame(
  awareness: awarenessProtocol.Awareness,
  clientIds = [awareness.clientID],
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clientIds));
  return encoding.toUint8Array(encoder);
}

/** One presence entry as it travels: whose, at which clock, and the state (null: removal). */
export interface PresenceEntry {
  clientId: number;
  clock: number;
  state: unknown;
}

/**
 * An awareness frame carrying exactly `entries`, laid out as y-protocols' encodeAwarenessUpdate
 * does, for presence no Awareness would send: other people's ids, chosen clocks, any JSON.
 */
export function presenceFrame(entries: PresenceEntry[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(update, clientId);
    encoding.writeVarUint(update, clock);
    encoding.writeVarString(update, JSON.stringify(state));
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.AWARENESS);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update));
  return encoding.toUint8Array(encoder);
}

/**
 * The Yjs update `edit` makes to a copy of `base` (a fresh doc when omitted), without
 * touching `base`: real content, as a client would produce it, ready to put in a frame.
 */
export function updateFrom(edit: (text: Y.Text) => void, base?: Y.Doc): Uint8Array {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  edit(doc.getText('title'));
  doc.destroy();
  return Y.mergeUpdates(updates);
}
