/**
 * The wire format: frames written by the stock y-protocols encoders (what the y-websocket client
 * sends) decode to the right kinds and payloads, anything malformed is a ProtocolError, and the
 * server's own frames are accepted by the stock y-protocols readers.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  PresenceTooLargeError,
  ProtocolError,
  decodeClientMessage,
  peekDocumentMessage,
  encodeAwareness,
  encodeAwarenessEntries,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from './protocol';

// The y-websocket client's top-level message types.
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

/** Builds a frame the way y-websocket does: a type prefix, then whatever `write` adds. */
function frame(type: number, write: (encoder: encoding.Encoder) => void = () => {}): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** A document with some text, and the updates its edits produced. */
function editedDoc(text = 'hello world') {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  doc.getText('t').insert(0, text);
  return { doc, updates };
}

function expectProtocolError(bytes: Uint8Array) {
  expect(() => decodeClientMessage(bytes)).toThrow(ProtocolError);
}

function awarenessWithUser(name: string) {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState({ user: { name, color: '#175cd3' } });
  return awareness;
}

describe('decodeClientMessage: frames from the stock y-protocols encoders', () => {
  it('decodes sync step 1 with the sender’s state vector', () => {
    const { doc } = editedDoc();
    const message = decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, doc)));
    expect(message.kind).toBe('sync-step1');
    if (message.kind !== 'sync-step1') return;
    expect(Array.from(message.stateVector)).toEqual(Array.from(Y.encodeStateVector(doc)));
    expect(Y.decodeStateVector(message.stateVector).get(doc.clientID)).toBe(11);
  });

  it('decodes sync step 1 from an empty document', () => {
    const message = decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, new Y.Doc())));
    expect(message).toEqual({ kind: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) });
  });

  it('decodes sync step 2 with a non-empty update that rebuilds the document', () => {
    const { doc } = editedDoc('step two');
    const message = decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, doc)));
    expect(message.kind).toBe('sync-step2');
    if (message.kind !== 'sync-step2') return;
    expect(message.empty).toBe(false);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, message.update);
    expect(replica.getText('t').toString()).toBe('step two');
  });

  it('decodes a live update with its exact payload', () => {
    const { updates } = editedDoc('live');
    const message = decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, updates[0])));
    expect(message.kind).toBe('sync-update');
    if (message.kind !== 'sync-update') return;
    expect(message.empty).toBe(false);
    expect(Array.from(message.update)).toEqual(Array.from(updates[0]));
  });

  it('marks a deletion-only update as not empty', () => {
    const { doc } = editedDoc('delete me');
    const deletions: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => deletions.push(update));
    doc.getText('t').delete(0, 7);
    const message = decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, deletions[0])));
    expect(message).toMatchObject({ kind: 'sync-update', empty: false });
  });

  it('marks an update that adds nothing as empty', () => {
    const { doc } = editedDoc();
    const nothing = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc));
    expect(decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, nothing)))).toMatchObject({
      kind: 'sync-update',
      empty: true,
    });
    // The step 2 answer from a peer that has nothing new is empty too.
    const upToDate = frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, doc, Y.encodeStateVector(doc)));
    expect(decodeClientMessage(upToDate)).toMatchObject({ kind: 'sync-step2', empty: true });
    expect(decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, new Y.Doc())))).toMatchObject({
      kind: 'sync-step2',
      empty: true,
    });
  });

  it('decodes an awareness update with its payload', () => {
    const awareness = awarenessWithUser('Ada');
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
    const message = decodeClientMessage(frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update)));
    expect(message.kind).toBe('awareness');
    if (message.kind !== 'awareness') return;
    expect(Array.from(message.update)).toEqual(Array.from(update));
  });

  it('decodes an awareness removal (a null state) and an update for several clients', () => {
    const awareness = awarenessWithUser('Ada');
    const other = awarenessWithUser('Grace');
    awarenessProtocol.applyAwarenessUpdate(
      awareness,
      awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID]),
      'test',
    );
    const both = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID, other.clientID]);
    expect(decodeClientMessage(frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, both))).kind).toBe('awareness');

    awareness.setLocalState(null);
    const removal = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
    expect(decodeClientMessage(frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, removal))).kind).toBe('awareness');
  });

  it('hands the room each awareness entry parsed, clocks past 2^53 included, and refuses unsafe client ids', () => {
    const entries = [
      { clientId: 7, clock: 3, state: { user: { name: 'Ada', color: '#175cd3' } } },
      { clientId: 8, clock: 2 ** 53, state: null },
    ];
    const message = decodeClientMessage(frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, encodeAwarenessEntries(entries))));
    expect(message).toMatchObject({ kind: 'awareness', entries });
    // What y-protocols itself reads from the same bytes.
    const observer = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(observer, encodeAwarenessEntries(entries), 'test');
    expect(observer.getStates().get(7)).toEqual(entries[0].state);

    const unsafeId = encodeAwarenessEntries([{ clientId: 2 ** 53, clock: 1, state: {} }]);
    expect(() => decodeClientMessage(frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, unsafeId)))).toThrow(
      /client id out of range/,
    );
  });

  it('decodes a query-awareness frame', () => {
    expect(decodeClientMessage(frame(MESSAGE_QUERY_AWARENESS))).toEqual({ kind: 'query-awareness' });
  });

  it('decodes a frame that is a view into a larger buffer (as ws hands out)', () => {
    const { updates } = editedDoc();
    const bytes = frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, updates[0]));
    const pool = new Uint8Array(bytes.length + 64).fill(0xff);
    pool.set(bytes, 32);
    const message = decodeClientMessage(pool.subarray(32, 32 + bytes.length));
    expect(message).toMatchObject({ kind: 'sync-update', empty: false });
  });
});

describe('decodeClientMessage: malformed frames are ProtocolErrors', () => {
  const { doc, updates } = editedDoc('some text to truncate');
  const validFrames = {
    'sync step 1': frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, doc)),
    'sync step 2': frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, doc)),
    'sync update': frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, updates[0])),
    awareness: (() => {
      const awareness = awarenessWithUser('Ada');
      const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
      return frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update));
    })(),
  };

  it('rejects an empty frame', () => {
    expectProtocolError(new Uint8Array(0));
  });

  it.each([
    ['2 (auth, which only the server sends)', MESSAGE_AUTH],
    ['7', 7],
    ['200', 200],
    ['a multi-byte varuint', 100_000],
  ])('rejects the unknown top-level type %s', (_label, type) => {
    expectProtocolError(frame(type, (e) => encoding.writeVarUint8Array(e, new Uint8Array([0, 0]))));
    expectProtocolError(frame(type));
  });

  it('names the unknown type in the error', () => {
    expect(() => decodeClientMessage(frame(7))).toThrow(/unknown message type 7/);
  });

  it.each([3, 4, 127])('rejects the unknown sync sub-type %i', (syncType) => {
    const bytes = frame(MESSAGE_SYNC, (e) => {
      encoding.writeVarUint(e, syncType);
      encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc));
    });
    expect(() => decodeClientMessage(bytes)).toThrow(ProtocolError);
    expect(() => decodeClientMessage(bytes)).toThrow(/unknown sync message type/);
  });

  it.each(Object.entries(validFrames))('rejects every truncation of a %s frame', (_label, bytes) => {
    expect(() => decodeClientMessage(bytes)).not.toThrow();
    for (let length = 0; length < bytes.length; length++) expectProtocolError(bytes.slice(0, length));
  });

  it('rejects a truncated frame even when it is a view into a larger buffer', () => {
    const bytes = validFrames['sync update'];
    const pool = new Uint8Array(bytes.length + 64);
    pool.set(bytes, 0);
    expectProtocolError(pool.subarray(0, bytes.length - 3));
  });

  it.each(Object.entries(validFrames))('rejects a %s frame with trailing bytes', (_label, bytes) => {
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => decodeClientMessage(padded)).toThrow(/trailing bytes/);
    expect(() => decodeClientMessage(padded)).toThrow(ProtocolError);
  });

  it('rejects a query-awareness frame with trailing bytes', () => {
    expectProtocolError(new Uint8Array([MESSAGE_QUERY_AWARENESS, 0]));
  });

  it('rejects sync updates and step 2s whose payload is random bytes', () => {
    // A fixed 32-bit LCG so a failure is reproducible.
    let state = 0x5eed;
    const nextByte = () => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return state >>> 24;
    };
    for (let i = 0; i < 300; i++) {
      const payload = Uint8Array.from({ length: 1 + (i % 48) }, nextByte);
      // A leading 0 means "no structs"; followed by a 0 that is a genuinely valid empty update.
      if (payload[0] === 0) payload[0] = 1;
      expectProtocolError(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, payload)));
      expectProtocolError(frame(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
        encoding.writeVarUint8Array(e, payload);
      }));
    }
  });

  it('rejects a sync update whose payload is a truncated real update', () => {
    const update = updates[0];
    expectProtocolError(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update.slice(0, update.length - 2))));
  });

  it.each([
    ['a lone count', [1]],
    ['a count with one client and no clock', [1, 5]],
    ['an unterminated varuint', [0xff]],
    ['a huge count and nothing else', [0xff, 0xff, 0xff, 0x7f]],
  ])('rejects a garbage state vector: %s', (_label, payload) => {
    expectProtocolError(frame(MESSAGE_SYNC, (e) => {
      encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
      encoding.writeVarUint8Array(e, Uint8Array.from(payload));
    }));
  });

  it('rejects an awareness update whose state is not JSON', () => {
    const bytes = frame(MESSAGE_AWARENESS, (e) => {
      const update = encoding.createEncoder();
      encoding.writeVarUint(update, 1); // one client
      encoding.writeVarUint(update, 1234); // client id
      encoding.writeVarUint(update, 1); // clock
      encoding.writeVarString(update, '{"user": {"name": "Ada"');
      encoding.writeVarUint8Array(e, encoding.toUint8Array(update));
    });
    expectProtocolError(bytes);
  });

  it('rejects an awareness update that claims more clients than it holds', () => {
    const bytes = frame(MESSAGE_AWARENESS, (e) => {
      const update = encoding.createEncoder();
      encoding.writeVarUint(update, 2);
      encoding.writeVarUint(update, 1234);
      encoding.writeVarUint(update, 1);
      encoding.writeVarString(update, '{}');
      encoding.writeVarUint8Array(e, encoding.toUint8Array(update));
    });
    expectProtocolError(bytes);
  });

  it('rejects an awareness update with bytes after its last client', () => {
    const awareness = awarenessWithUser('Ada');
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
    const padded = new Uint8Array(update.length + 1);
    padded.set(update);
    expect(() => decodeClientMessage(frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, padded)))).toThrow(
      /trailing bytes in awareness update/,
    );
  });

  it('wraps decoder failures rather than leaking them', () => {
    try {
      decodeClientMessage(new Uint8Array([MESSAGE_SYNC]));
      expect.unreachable('a one-byte sync frame must not decode');
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).name).toBe('ProtocolError');
      expect((error as Error).message).toMatch(/^undecodable frame: /);
    }
  });
});

describe('server frames are read by the stock y-protocols readers', () => {
  /** Runs one server frame through y-protocols' readSyncMessage against `doc`; returns the reply, if any. */
  function readSyncFrame(bytes: Uint8Array, doc: Y.Doc) {
    const decoder = decoding.createDecoder(bytes);
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_SYNC);
    const reply = encoding.createEncoder();
    const syncType = syncProtocol.readSyncMessage(decoder, reply, doc, 'server');
    expect(decoding.hasContent(decoder)).toBe(false);
    return { syncType, reply: encoding.toUint8Array(reply) };
  }

  it('encodeSyncStep1 is answered by readSyncMessage with the missing update', () => {
    const { doc: clientDoc } = editedDoc('only the client has this');
    const serverDoc = new Y.Doc();
    const { syncType, reply } = readSyncFrame(encodeSyncStep1(Y.encodeStateVector(serverDoc)), clientDoc);
    expect(syncType).toBe(syncProtocol.messageYjsSyncStep1);
    // The client's reply is a step 2 that the server decodes and can apply.
    const message = decodeClientMessage(Uint8Array.from([MESSAGE_SYNC, ...reply]));
    expect(message.kind).toBe('sync-step2');
    if (message.kind !== 'sync-step2') return;
    Y.applyUpdate(serverDoc, message.update);
    expect(serverDoc.getText('t').toString()).toBe('only the client has this');
  });

  it('encodeSyncStep2 rebuilds a real document in a fresh Y.Doc', () => {
    const { doc } = editedDoc('round trip');
    doc.getText('t').insert(5, ' the');
    doc.getText('t').delete(0, 1);
    const fresh = new Y.Doc();
    const { syncType } = readSyncFrame(encodeSyncStep2(Y.encodeStateAsUpdate(doc)), fresh);
    expect(syncType).toBe(syncProtocol.messageYjsSyncStep2);
    expect(fresh.getText('t').toString()).toBe('ound the trip');
  });

  it('encodeSyncUpdate carries live updates that a fresh Y.Doc applies in order', () => {
    const { doc, updates } = editedDoc('abc');
    doc.getText('t').insert(3, 'def');
    doc.getText('t').delete(1, 1);
    const fresh = new Y.Doc();
    for (const update of updates) {
      expect(readSyncFrame(encodeSyncUpdate(update), fresh).syncType).toBe(syncProtocol.messageYjsUpdate);
    }
    expect(fresh.getText('t').toString()).toBe('acdef');
  });

  it('a client update survives decode on the server and re-encode to another client', () => {
    const { updates } = editedDoc('relayed');
    const incoming = decodeClientMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, updates[0])));
    if (incoming.kind !== 'sync-update') throw new Error(`expected a sync update, got ${incoming.kind}`);
    const other = new Y.Doc();
    readSyncFrame(encodeSyncUpdate(incoming.update), other);
    expect(other.getText('t').toString()).toBe('relayed');
  });

  it('encodeAwareness is applied by applyAwarenessUpdate', () => {
    const sender = awarenessWithUser('Ada');
    const receiver = new awarenessProtocol.Awareness(new Y.Doc());
    const bytes = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(sender, [sender.clientID]));

    const decoder = decoding.createDecoder(bytes);
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_AWARENESS);
    awarenessProtocol.applyAwarenessUpdate(receiver, decoding.readVarUint8Array(decoder), 'server');
    expect(decoding.hasContent(decoder)).toBe(false);
    expect(receiver.getStates().get(sender.clientID)).toEqual({ user: { name: 'Ada', color: '#175cd3' } });
    // And the same frame is one the server itself accepts from a client.
    expect(decodeClientMessage(bytes).kind).toBe('awareness');
  });

  it('the server’s sync frames are also frames it accepts from clients', () => {
    const { doc, updates } = editedDoc();
    expect(decodeClientMessage(encodeSyncStep1(Y.encodeStateVector(doc))).kind).toBe('sync-step1');
    expect(decodeClientMessage(encodeSyncStep2(Y.encodeStateAsUpdate(doc))).kind).toBe('sync-step2');
    expect(decodeClientMessage(encodeSyncUpdate(updates[0])).kind).toBe('sync-update');
  });
});

describe('decode limits and peeking', () => {
  it('refuses a presence state over maxPresenceStateBytes before parsing it, and passes one at the limit', () => {
    const state = { user: { name: 'Ada', color: '#175cd3' } };
    const exact = JSON.stringify(state).length;
    const update = encodeAwarenessEntries([{ clientId: 7, clock: 1, state }]);
    const bytes = frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update));
    expect(decodeClientMessage(bytes, { maxPresenceStateBytes: exact, maxPresenceEntries: 1 })).toMatchObject({
      kind: 'awareness',
      entries: [{ clientId: 7, clock: 1, state, bytes: exact }],
    });
    expect(() => decodeClientMessage(bytes, { maxPresenceStateBytes: exact - 1, maxPresenceEntries: 1 })).toThrow(PresenceTooLargeError);
    // Not even valid JSON: refused for its size, never parsed.
    const huge = encoding.createEncoder();
    encoding.writeVarUint(huge, 1);
    encoding.writeVarUint(huge, 7);
    encoding.writeVarUint(huge, 1);
    encoding.writeVarString(huge, '{'.repeat(100_000));
    const hugeFrame = frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, encoding.toUint8Array(huge)));
    expect(() => decodeClientMessage(hugeFrame, { maxPresenceStateBytes: 4096, maxPresenceEntries: 1 })).toThrow(/100000 bytes is over 4096/);
  });

  it('refuses a presence update holding more entries than maxPresenceEntries before parsing any', () => {
    const state = { user: { name: 'Ada', color: '#175cd3' } };
    const entries = [1, 2, 3].map((clientId) => ({ clientId, clock: 1, state }));
    const bytes = frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, encodeAwarenessEntries(entries)));
    expect(decodeClientMessage(bytes, { maxPresenceStateBytes: 4096, maxPresenceEntries: 3 })).toMatchObject({ kind: 'awareness' });
    expect(() => decodeClientMessage(bytes, { maxPresenceStateBytes: 4096, maxPresenceEntries: 2 })).toThrow(/3 entries is over 2/);
    // A count no frame could hold is refused from the count alone: nothing after it is read.
    const claimed = encoding.createEncoder();
    encoding.writeVarUint(claimed, 1_000_000);
    encoding.writeVarString(claimed, 'not an entry');
    const claimedFrame = frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, encoding.toUint8Array(claimed)));
    expect(() => decodeClientMessage(claimedFrame, { maxPresenceStateBytes: 4096, maxPresenceEntries: 2000 })).toThrow(PresenceTooLargeError);
  });

  it('tells document messages apart by their type bytes alone, and the empty update among them', () => {
    const { doc, updates } = editedDoc();
    expect(peekDocumentMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, updates[0])))).toEqual({
      kind: 'sync-update',
      empty: false,
    });
    expect(peekDocumentMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, doc)))).toEqual({
      kind: 'sync-step2',
      empty: false,
    });
    expect(peekDocumentMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep2(e, new Y.Doc())))).toEqual({
      kind: 'sync-step2',
      empty: true,
    });
    // Garbage after the type bytes is still a document message: it is never decoded.
    expect(peekDocumentMessage(new Uint8Array([MESSAGE_SYNC, 2, 0xff, 0xff, 0xff]))).toEqual({ kind: 'sync-update', empty: false });
    // A varuint written long (0x80 0x00 is 0) is read as the decoder reads it.
    expect(peekDocumentMessage(new Uint8Array([0x80, 0x00, 0x82, 0x00, 2, 0, 0]))).toEqual({ kind: 'sync-update', empty: true });
    expect(peekDocumentMessage(frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, doc)))).toBeNull();
    expect(peekDocumentMessage(frame(MESSAGE_QUERY_AWARENESS))).toBeNull();
    expect(peekDocumentMessage(new Uint8Array([MESSAGE_SYNC]))).toBeNull();
    expect(peekDocumentMessage(new Uint8Array([]))).toBeNull();
  });
});
