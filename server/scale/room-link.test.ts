/**
 * A room's link to the other instances, in-process: a real room on memory storage whose appends
 * the test holds, fake members, and a recording `publish` in place of Redis. What it proves is
 * what the cluster tests (test/scale-out*.test.ts) rely on but cannot time: a change leaves
 * only once stored, an offer is answered only once the room's changes are stored, and an
 * instance that starts holding a room gets the others' presence when it asks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { decodeClientMessage, encodeAwareness, encodeSyncUpdate } from '../protocol';
import { Room } from '../room';
import type { DocumentLog } from '../storage';
import { createMemoryStorage } from '../storage/memory';
import { fakeConnection } from '../testing/fake-connection';
import { encodeStateOffer, ScaleMessageType, type ScaleMessage, type ScaleMessageTypeValue } from './messages';
import { RoomLink } from './room-link';

const logger = createLogger('silent');
const limits = { rootNames: new Set(['title', 'text']), maxNestingDepth: 64, maxStructs: 500_000, maxTitleLength: 0, titleRootName: 'title' };
const ME = 'instance-a';
/** Lets the write turn run and every promise it started settle. */
const turn = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

interface Published {
  type: ScaleMessageTypeValue;
  payload: Uint8Array;
  target: string;
}

/** Memory storage whose appends are not written until `release()`. */
function heldStorage() {
  const inner = createMemoryStorage();
  const waiting: (() => void)[] = [];
  let holding = true;
  const storage: DocumentLog = {
    ...inner,
    appendInStages(room, update) {
      const written = (async () => {
        if (holding) await new Promise<void>((resolve) => waiting.push(resolve));
        return inner.append(room, update);
      })();
      return { written, flushed: written.then(() => {}) };
    },
  };
  const release = () => {
    holding = false;
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { storage, release };
}

const links: RoomLink[] = [];
const rooms: Room[] = [];
afterEach(() => {
  for (const link of links.splice(0)) link.dispose();
  for (const room of rooms.splice(0)) room.destroy();
});

async function linkedRoom(storage: DocumentLog = createMemoryStorage()) {
  const metrics = createMetrics();
  const room = await Room.load({ name: 'r', storage, logger, metrics, compactAfterUpdates: 500, maxDocumentBytes: 1 << 20, limits });
  rooms.push(room);
  const published: Published[] = [];
  const link = new RoomLink({
    room,
    instanceId: ME,
    publish: (type, payload, target = '') => published.push({ type, payload, target }),
    loadStored: () => storage.load('r'),
    metrics,
    logger,
  });
  links.push(link);
  const ofType = (type: ScaleMessageTypeValue) => published.filter((message) => message.type === type);
  return { room, link, published, ofType };
}

/** A typed change as a stock client would send it. */
function typed(text: string, doc = new Y.Doc()): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('text').insert(doc.getText('text').length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

/** A stock client's presence update under `clientId`. */
function presenceOf(clientId: number, name: string): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState({ user: { name, color: '#175cd3' } });
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]);
  awareness.destroy();
  return update;
}

const names = (room: Room) =>
  Array.from(room.presence.awareness.getStates().values(), (state) => (state as { user: { name: string } }).user.name).sort();

const fromPeer = (type: ScaleMessageTypeValue, payload: Uint8Array, target = ''): ScaleMessage => ({ type, sender: 'instance-b', target, payload });

describe('RoomLink', () => {
  it("publishes the room's own change once it is stored, and nothing after dispose", async () => {
    const { storage, release } = heldStorage();
    const { room, link, ofType } = await linkedRoom(storage);
    const alice = fakeConnection();
    room.join(alice);
    const writer = new Y.Doc();
    room.handle(alice, decodeClientMessage(encodeSyncUpdate(typed('hello', writer))));
    await turn();
    expect(ofType(ScaleMessageType.UPDATE)).toHaveLength(0);
    release();
    await room.whenStored();
    expect(ofType(ScaleMessageType.UPDATE)).toHaveLength(1);
    const published = new Y.Doc();
    Y.applyUpdate(published, ofType(ScaleMessageType.UPDATE)[0].payload);
    expect(published.getText('text').toString()).toBe('hello');

    link.dispose();
    room.handle(alice, decodeClientMessage(encodeSyncUpdate(typed(' again', writer))));
    await turn();
    await room.whenStored();
    expect(ofType(ScaleMessageType.UPDATE)).toHaveLength(1);
    expect(ofType(ScaleMessageType.LEFT)).toHaveLength(1);
  });

  it("answers a peer's offer only once the room's changes are stored, once however often it offered", async () => {
    const { storage, release } = heldStorage();
    const { room, link, ofType } = await linkedRoom(storage);
    const alice = fakeConnection();
    room.join(alice);
    room.handle(alice, decodeClientMessage(encodeSyncUpdate(typed('unstored'))));
    await turn();
    const emptyOffer = encodeStateOffer({ stateVector: Y.encodeStateVector(new Y.Doc()), deleteSetDigest: new Uint8Array() });
    link.handle(fromPeer(ScaleMessageType.STATE, emptyOffer));
    link.handle(fromPeer(ScaleMessageType.STATE, emptyOffer));
    await turn();
    expect(ofType(ScaleMessageType.HEAL)).toHaveLength(0);
    release();
    await room.whenStored();
    await turn();
    const heals = ofType(ScaleMessageType.HEAL);
    expect(heals).toHaveLength(1);
    expect(heals[0].target).toBe('instance-b');
    const healed = new Y.Doc();
    Y.applyUpdate(healed, heals[0].payload);
    expect(healed.getText('text').toString()).toBe('unstored');
  });

  it('asks the peers for the document and their presence when the room starts here', async () => {
    const { link, published } = await linkedRoom();
    link.askPeers();
    expect(published.map((message) => message.type)).toEqual([ScaleMessageType.STATE, ScaleMessageType.PRESENCE_QUERY]);
  });

  it("answers a presence query with its own members' presence only, addressed to the asker", async () => {
    const { room, link, ofType } = await linkedRoom();
    link.handle(fromPeer(ScaleMessageType.PRESENCE_QUERY, new Uint8Array()));
    // Nobody here yet: nothing to answer.
    expect(ofType(ScaleMessageType.AWARENESS)).toHaveLength(0);

    const alice = fakeConnection();
    room.join(alice);
    room.handle(alice, decodeClientMessage(encodeAwareness(presenceOf(101, 'alice'))));
    link.handle(fromPeer(ScaleMessageType.AWARENESS, presenceOf(202, 'bob on b')));
    expect(names(room)).toEqual(['alice', 'bob on b']);
    const shared = ofType(ScaleMessageType.AWARENESS).length;

    link.handle(fromPeer(ScaleMessageType.PRESENCE_QUERY, new Uint8Array()));
    const answers = ofType(ScaleMessageType.AWARENESS).slice(shared);
    expect(answers).toHaveLength(1);
    expect(answers[0].target).toBe('instance-b');
    const asker = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(asker, answers[0].payload, 'test');
    expect(Array.from(asker.getStates().keys()).filter((id) => id !== asker.clientID)).toEqual([101]);
    asker.destroy();
  });

  it('applies presence addressed to this instance or to everyone, not an answer meant for another instance', async () => {
    const { room, link } = await linkedRoom();
    link.handle(fromPeer(ScaleMessageType.AWARENESS, presenceOf(301, 'for someone else'), 'instance-c'));
    link.handle(fromPeer(ScaleMessageType.AWARENESS, presenceOf(302, 'for me'), ME));
    link.handle(fromPeer(ScaleMessageType.AWARENESS, presenceOf(303, 'for everyone')));
    expect(names(room)).toEqual(['for everyone', 'for me']);
  });
});
