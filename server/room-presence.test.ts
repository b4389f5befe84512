/**
 * RoomPresence's rules at the edges the integration tests (test/hostile-presence.test.ts) cannot
 * time: the owner's goodbye at its current clock, what another instance's clients own, the
 * awareness timeout freeing such ids, and how many released ids are remembered.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Connection } from './connection';
import { createLogger } from './log';
import { createMetrics } from './metrics';
import { encodeAwarenessEntries, type AwarenessEntry } from './protocol';
import { RoomPresence } from './room-presence';

const logger = createLogger('silent');
const user = (name: string) => ({ user: { name, color: '#175cd3' } });

/** A member that records what it was sent and whether it was closed. */
function fakeConnection(): Connection & { sent: Uint8Array[]; closedWith: number | null } {
  const connection = {
    sent: [] as Uint8Array[],
    closedWith: null as number | null,
    log: logger,
    send(frame: Uint8Array) {
      connection.sent.push(frame);
    },
    close(code: number) {
      connection.closedWith = code;
    },
  };
  return connection as unknown as Connection & typeof connection;
}

function presenceWith(members: Connection[], maxIdsPerConnection = 2) {
  const metrics = createMetrics();
  const presence = new RoomPresence({ doc: new Y.Doc(), metrics, logger, maxIdsPerConnection, members: () => members });
  const rejected = async (reason: string) =>
    (await metrics.rejected.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
  return { presence, rejected };
}

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
});
