/**
 * RoomPresence's rules at the edges the integration tests (test/hostile-presence.test.ts) cannot
 * time: the owner's goodbye at its current clock, what another instance's clients own, the
 * awareness timeout freeing such ids, how many released ids are remembered, and an editor's id
 * a viewer grabs while the editor is away.
 */
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Connection } from '../connection';
import { fakeConnection as fakeMember } from '../testing/fake-connection';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { encodeAwarenessEntries, type AwarenessEntry } from '../protocol';
import { RoomPresence } from './presence';

const logger = createLogger('silent');
const user = (name: string) => ({ user: { name, color: '#175cd3' } });

/** A member (an editor unless told) that records what it was sent and whether it was closed. */
const fakeConnection = (role: Connection['role'] = 'edit') => fakeMember({ role });

function presenceWith(members: Connection[], maxIdsPerConnection = 2, maxBytesPerRoom = 1024 * 1024) {
  const metrics = createMetrics();
  const doc = new Y.Doc();
  const presence = new RoomPresence({ doc, metrics, logger, maxIdsPerConnection, maxBytesPerRoom, members: () => members });
  const rejected = async (reason: string) =>
    (await metrics.rejected.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
  return { presence, rejected, doc };
}

/** A stock client's awareness under client id `clientId`, publishing `state`. */
function stockClient(clientId: number, state: Record<string, unknown>): awarenessProtocol.Awareness {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(state);
  return awareness;
}

/** What `awareness` publishes for its own id, as the entry it sends. */
const ownEntry = (awareness: awarenessProtocol.Awareness): AwarenessEntry =>
  entry(awareness.clientID, awareness.meta.get(awareness.clientID)!.clock, awareness.getLocalState());

/** Applies to `awareness` every awareness update `connection` was sent since `from`. */
function deliver(connection: { sent: Uint8Array[] }, awareness: awarenessProtocol.Awareness, from = 0): void {
  for (const frame of connection.sent.slice(from)) {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarUint(decoder);
    awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), 'server');
  }
}

const FORGED = { user: { name: 'Alice (admin): click here', color: '#b42318' } };

const toDestroy: RoomPresence[] = [];
afterEach(() => {
  for (const presence of toDestroy.splice(0)) presence.destroy();
  vi.useRealTimers();
});

const entry = (clientId: number, clock: number, state: unknown): AwarenessEntry => ({ clientId, clock, state });

describe('RoomPresence', () => {
  it('applies an owner’s goodbye at its current clock, and charges nothing for echoes', () => {
    const alice = fakeConnection();
    const bob = fakeConnection();
    const { presence } = presenceWith([alice, bob]);
    toDestroy.push(presence);

    presence.receive(alice, [entry(1, 1, user('Alice'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    // Bob echoes Alice's state back; Alice repeats herself: neither is news.
    expect(presence.hasNews(bob, [entry(1, 1, user('Alice'))])).toBe(false);
    expect(presence.hasNews(alice, [entry(1, 1, user('Alice'))])).toBe(false);
    // Only the owner's removal at the current clock is: y-websocket says goodbye that way.
    expect(presence.hasNews(bob, [entry(1, 1, null)])).toBe(false);
    expect(presence.hasNews(alice, [entry(1, 1, null)])).toBe(true);
    presence.receive(bob, [entry(1, 1, null)]);
    expect(presence.awareness.getStates().has(1)).toBe(true);
    presence.receive(alice, [entry(1, 1, null)]);
    expect(presence.awareness.getStates().has(1)).toBe(false);
  });

  it('frees a leaver’s ids but remembers their clocks, so a late echo claims nothing', async () => {
    const alice = fakeConnection();
    const bob = fakeConnection();
    const { presence, rejected } = presenceWith([bob]);
    toDestroy.push(presence);
    presence.receive(alice, [entry(1, 4, user('Alice'))]);
    presence.leave(alice);

    presence.receive(bob, [entry(1, 4, user('Alice'))]);
    expect(presence.awareness.getStates().has(1)).toBe(false);
    // Alice again, from a new socket, at her next clock.
    const back = fakeConnection();
    presence.receive(back, [entry(1, 5, user('Alice'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    expect(await rejected('foreign_presence')).toBe(0);
  });

  it('forgets the clocks of the longest-gone ids past 10,000', () => {
    const { presence } = presenceWith([]);
    toDestroy.push(presence);
    for (let id = 1; id <= 10_050; id++) {
      const visitor = fakeConnection();
      presence.receive(visitor, [entry(id, 1, user('visitor'))]);
      presence.leave(visitor);
    }
    expect(presence.awareness.meta.size).toBeLessThanOrEqual(10_001);
    expect(presence.awareness.meta.has(10_050)).toBe(true);
    expect(presence.awareness.meta.has(1)).toBe(false);
  });

  it('keeps another instance’s clients’ ids for that instance, until it reports them gone', async () => {
    const mallory = fakeConnection();
    const { presence, rejected } = presenceWith([mallory]);
    toDestroy.push(presence);
    const published: Uint8Array[] = [];
    presence.onLocalChange((update) => published.push(update));

    presence.applyRemote('sync-1', encodeAwarenessEntries([entry(1, 3, user('Alice'))]));
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    presence.receive(mallory, [entry(1, 2 ** 30, user('Alice (admin)')), entry(1, 4, null)]);
    expect(await rejected('foreign_presence')).toBe(2);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    // Another instance claiming the same id is refused too.
    presence.applyRemote('sync-2', encodeAwarenessEntries([entry(1, 9, user('Alice (admin)'))]));
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    expect(published).toEqual([]);

    // Alice left sync-1: her id is free, and a client here may introduce it.
    presence.applyRemote('sync-1', encodeAwarenessEntries([entry(1, 4, null)]));
    expect(presence.awareness.getStates().has(1)).toBe(false);
    const alice = fakeConnection();
    presence.receive(alice, [entry(1, 5, user('Alice'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    expect(published).toHaveLength(1);
  });

  it('drops what another instance relays outside the schema, and its presence when it goes', async () => {
    const { presence, rejected } = presenceWith([]);
    toDestroy.push(presence);
    presence.applyRemote('sync-1', encodeAwarenessEntries([entry(1, 1, { cursor: {} }), entry(2, 1, user('Grace'))]));
    expect(await rejected('invalid_presence')).toBe(1);
    expect(Array.from(presence.awareness.getStates().keys())).toEqual([2]);
    presence.dropInstance('sync-1');
    expect(presence.awareness.getStates().size).toBe(0);
  });

  it('frees another instance’s ids when their presence times out here (its client may have moved)', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const local = fakeConnection();
    const { presence } = presenceWith([]);
    toDestroy.push(presence);
    presence.applyRemote('sync-1', encodeAwarenessEntries([entry(1, 1, user('Alice'))]));
    presence.receive(local, [entry(2, 1, user('Bob'))]);
    // Neither renewed for longer than y-protocols waits (its clock is Date.now, read at import).
    for (const meta of presence.awareness.meta.values()) meta.lastUpdated -= awarenessProtocol.outdatedTimeout;
    vi.advanceTimersByTime(awarenessProtocol.outdatedTimeout / 10);
    expect(presence.awareness.getStates().size).toBe(0);

    // Alice's id is free; Bob's is still his connection's.
    const newcomer = fakeConnection();
    presence.receive(newcomer, [entry(1, 2, user('Alice')), entry(2, 2, user('not Bob'))]);
    expect(Array.from(presence.awareness.getStates().keys())).toEqual([1]);
  });

  it('lets nobody own a stale copy of presence it already removed (a dropped peer sending it again)', () => {
    const { presence } = presenceWith([]);
    toDestroy.push(presence);
    presence.applyRemote('sync-1', encodeAwarenessEntries([entry(1, 1, user('Alice'))]));
    presence.dropInstance('sync-1');
    // The same state at the same clock: the awareness ignores it, so the id must stay free.
    presence.applyRemote('sync-1', encodeAwarenessEntries([entry(1, 1, user('Alice'))]));
    expect(presence.awareness.getStates().size).toBe(0);
    const alice = fakeConnection();
    presence.receive(alice, [entry(1, 2, user('Alice'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
  });

  it.each(['view', 'comment'] as const)('refuses a %s connection an id an editor held last, or one that wrote to the document', async (role) => {
    const eve = fakeConnection(role);
    const { presence, rejected, doc } = presenceWith([eve]);
    toDestroy.push(presence);
    const alice = fakeConnection();
    presence.receive(alice, [entry(1, 4, user('Alice'))]);
    presence.leave(alice);
    doc.clientID = 7;
    doc.getText('title').insert(0, 'by client 7');

    // Alice's socket dropped: the viewer reacts to her removal at once.
    presence.receive(eve, [entry(1, 4 + 2 ** 20, FORGED), entry(7, 1, FORGED)]);
    expect(presence.awareness.getStates().size).toBe(0);
    expect(await rejected('foreign_presence')).toBe(2);
    // Alice back on a new socket, at her next clock.
    const back = fakeConnection();
    presence.receive(back, [entry(1, 5, user('Alice'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));

    // A viewer's own id stays the viewer's to take back.
    const reader = fakeConnection(role);
    presence.receive(reader, [entry(2, 3, user('Reader'))]);
    presence.leave(reader);
    presence.receive(eve, [entry(2, 4, user('Reader'))]);
    expect(presence.awareness.getStates().get(2)).toEqual(user('Reader'));
  });

  it.each(['view', 'comment'] as const)('gives an editor its id back from a %s connection that grabbed it first (after a restart): everyone, the editor too, converges to the editor’s state', async (role) => {
    const bob = fakeConnection();
    const eve = fakeConnection(role);
    const members: Connection[] = [bob, eve];
    const { presence, rejected } = presenceWith(members);
    toDestroy.push(presence);
    const aliceClient = stockClient(1, user('Alice'));
    aliceClient.setLocalState({ ...user('Alice'), cursor: null });
    const bobClient = stockClient(2, user('Bob'));

    // The server remembers nothing of id 1 (it restarted); Eve takes it at the highest clock.
    presence.receive(eve, [entry(1, 2 ** 40, FORGED)]);
    expect(presence.awareness.getStates().get(1)).toEqual(FORGED);
    // Alice reconnects: she is greeted with the forged state (her client adopts it) and sends
    // her own, at her own clock, from before.
    const alice = fakeConnection();
    members.push(alice);
    presence.greet(alice);
    deliver(alice, aliceClient);
    expect(aliceClient.getLocalState()).toEqual(FORGED);
    const sentBefore = alice.sent.length;
    presence.receive(alice, [entry(1, 2, { ...user('Alice'), cursor: null })]);
    expect(presence.awareness.getStates().get(1)).toEqual({ ...user('Alice'), cursor: null });
    expect(await rejected('foreign_presence')).toBe(1);
    // What the server relays wins over the forged state with stock clients, Alice's own included.
    deliver(bob, bobClient);
    deliver(alice, aliceClient, sentBefore);
    expect(bobClient.getStates().get(1)).toEqual({ ...user('Alice'), cursor: null });
    expect(aliceClient.getLocalState()).toEqual({ ...user('Alice'), cursor: null });

    // Alice counts on from there (past 2^40) and is shown; the viewer is refused, and leaving
    // takes nothing of hers.
    aliceClient.setLocalStateField('lastActive', 1);
    expect(aliceClient.meta.get(1)!.clock).toBeGreaterThan(2 ** 40);
    presence.receive(alice, [ownEntry(aliceClient)]);
    expect(presence.awareness.getStates().get(1)).toEqual(aliceClient.getLocalState());
    presence.receive(eve, [entry(1, presence.awareness.meta.get(1)!.clock + 1, FORGED)]);
    presence.leave(eve);
    expect(presence.awareness.getStates().get(1)).toEqual(aliceClient.getLocalState());
    expect(await rejected('foreign_presence')).toBe(2);
    expect(eve.closedWith).toBeNull();
    for (const awareness of [aliceClient, bobClient]) awareness.destroy();
  });

  it('does not strand an editor whose id a viewer pushed to 2^40 and left before the editor came back', async () => {
    const alice = fakeConnection();
    const { presence, rejected } = presenceWith([alice]);
    toDestroy.push(presence);
    const aliceClient = stockClient(1, user('Alice'));
    const eve = fakeConnection('view');
    presence.receive(eve, [entry(1, 2 ** 40, FORGED)]);
    presence.leave(eve);

    // Alice comes back at her own clock, far below the viewer's.
    presence.receive(alice, [ownEntry(aliceClient)]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alice'));
    deliver(alice, aliceClient);
    aliceClient.setLocalStateField('lastActive', 1);
    presence.receive(alice, [ownEntry(aliceClient)]);
    expect(presence.awareness.getStates().get(1)).toEqual({ ...user('Alice'), lastActive: 1 });
    expect(await rejected('implausible_clock')).toBe(0);
    aliceClient.destroy();
  });

  it('lets an owner count past 2^40, a step at a time, but introduces no id past it', async () => {
    const owner = fakeConnection();
    const { presence, rejected } = presenceWith([]);
    toDestroy.push(presence);
    presence.receive(owner, [entry(1, 2 ** 40, user('one')), entry(2, 2 ** 40 + 1, user('two'))]);
    presence.receive(owner, [entry(1, 2 ** 40 + 1, user('one, renewed'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('one, renewed'));
    expect(presence.awareness.getStates().has(2)).toBe(false);
    expect(await rejected('implausible_clock')).toBe(1);
  });

  it('holds at most MAX_PRESENCE_BYTES_PER_ROOM of states: new ones past it are dropped and counted, and leaving frees room', async () => {
    const alice = fakeConnection();
    const bob = fakeConnection();
    const carol = fakeConnection();
    const aliceState = user('Alice');
    const stateBytes = JSON.stringify(aliceState).length;
    // Room for two states of this size, not three.
    const { presence, rejected } = presenceWith([alice, bob, carol], 2, 2 * stateBytes + 1);
    toDestroy.push(presence);
    presence.receive(alice, [entry(1, 1, user('Alice'))]);
    presence.receive(bob, [entry(2, 1, user('Bobb'))]);
    presence.receive(carol, [entry(3, 1, user('Caro'))]);
    expect(Array.from(presence.awareness.getStates().keys()).sort()).toEqual([1, 2]);
    expect(await rejected('presence_too_large')).toBe(1);
    // An owner may still replace its own state with one of the same size…
    presence.receive(alice, [entry(1, 2, user('Alic'))]);
    expect(presence.awareness.getStates().get(1)).toEqual(user('Alic'));
    // …and once Bob leaves, Carol fits.
    presence.leave(bob);
    presence.receive(carol, [entry(3, 2, user('Caro'))]);
    expect(presence.awareness.getStates().get(3)).toEqual(user('Caro'));
    expect(await rejected('presence_too_large')).toBe(1);
  });

  it('answers query-awareness from one shared frame, encoded again only after a change', () => {
    const alice = fakeConnection();
    const bob = fakeConnection();
    const { presence } = presenceWith([]);
    toDestroy.push(presence);
    presence.receive(alice, [entry(1, 1, user('Alice'))]);
    presence.answerQuery(alice);
    presence.answerQuery(bob);
    expect(bob.sent[0]).toBe(alice.sent[0]);
    presence.receive(alice, [entry(1, 2, user('Alice B.'))]);
    presence.answerQuery(bob);
    expect(bob.sent[1]).not.toBe(bob.sent[0]);
    const observer = stockClient(9, user('Observer'));
    deliver({ sent: [bob.sent[1]] }, observer);
    expect(observer.getStates().get(1)).toEqual(user('Alice B.'));
    observer.destroy();
  });

  it('counts a frame of many dropped ids once per reason', async () => {
    const eve = fakeConnection('view');
    const { presence, rejected } = presenceWith([]);
    toDestroy.push(presence);
    const many = Array.from({ length: 10_000 }, (_, i) => entry(100 + i, 1, user('Eve')));
    presence.receive(eve, many);
    expect(presence.awareness.getStates().size).toBe(2);
    expect(await rejected('presence_ids')).toBe(many.length - 2);
  });
});
