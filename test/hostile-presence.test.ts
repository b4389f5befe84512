/**
 * Hostile presence (security review C1 and H1) against the standalone server, with stock
 * providers as the honest people and hand-made raw sockets as the attacker, mostly on a view
 * link (all the review's attacks need). Presence outside Tandem's schema closes its sender with
 * 4400 and reaches no one; a connection writes only the presence ids it introduced (at most
 * MAX_PRESENCE_IDS_PER_CONNECTION), so nobody can rename, move, expire or kick anyone else;
 * and what stock clients echo back costs them nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { viewLinkPath, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { CloseCode } from '../lib/protocol/close-codes';
import { connectClient, openClient, uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, type Cluster } from './support/cluster';
import { presenceFrame, type PresenceEntry } from './support/frames';
import { rejectedTotal } from './support/metrics';
import { openRawPeer, type RawPeer } from './support/raw-peer';
import { startServer, type ServerProcess } from './support/server-process';
import { describeUnlessSkipped } from './support/describe-when';
import { eventually, sleep } from './support/wait';

const ALICE = { name: 'Alice', color: '#175cd3' };
const BOB = { name: 'Bob', color: '#067647' };
const EVE = { name: 'Eve', color: '#475467', viewing: true };
/** The review's impersonation: Alice's id, a name that invites clicks, and the highest clock. */
const FORGED_ALICE = { user: { name: 'Alice (admin): click here', color: '#b42318' } };
const HIGHEST_CLOCK = 2 ** 53 - 1;

type State = Record<string, unknown> | undefined;

/** Someone in the room as a stock provider, with every state it ever saw and every close code it got. */
interface Person extends Client {
  /** JSON of every state this person's awareness ever held, by client id. */
  seen: Map<number, string[]>;
  closes: number[];
  stateOf(clientId: number): State;
}

/** Follows a stock client: what presence it saw and how its socket closed. */
function follow(client: Client): Person {
  const seen = new Map<number, string[]>();
  const closes: number[] = [];
  const { awareness } = client.provider;
  awareness.on('update', ({ added, updated }: { added: number[]; updated: number[] }) => {
    for (const id of added.concat(updated)) {
      const list = seen.get(id) ?? [];
      list.push(JSON.stringify(awareness.getStates().get(id)));
      seen.set(id, list);
    }
  });
  // A null event is our own disconnect(); the server's closes carry a code.
  client.provider.on('connection-close', (event: CloseEvent | null) => {
    if (event) closes.push(event.code);
  });
  return Object.assign(client, { seen, closes, stateOf: (id: number) => awareness.getStates().get(id) as State });
}

const nameOf = (state: State) => (state?.user as { name?: string } | undefined)?.name;

/** The room's view id, from the server at `httpUrl`. */
async function viewIdAt(httpUrl: string, room: string): Promise<string> {
  const response = await fetch(`${httpUrl}${viewLinkPath(room)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as ViewLinkResponse).viewId;
}

interface RoomKit {
  server: ServerProcess;
  open: { destroy(): void }[];
  /** A stock provider in `room` publishing `user`, synced. */
  person(room: string, user: Record<string, unknown>): Promise<Person>;
  viewId(room: string): Promise<string>;
  /** A raw socket on the room's view link, holding the presence the server sends it. */
  viewer(room: string): Promise<RawPeer>;
  /** A raw socket on the room's edit link. */
  editorSocket(room: string): Promise<RawPeer>;
  rejected(reason: string): Promise<number>;
}

/** One server, its view links, people and attackers, closed after the enclosing describe. */
function roomKit(env: Record<string, string> = {}): RoomKit {
  const kit: RoomKit = {
    server: null as unknown as ServerProcess,
    open: [] as { destroy(): void }[],
    async person(room, user) {
      const client = follow(await connectClient(kit.server.syncUrl, room));
      kit.open.push(client);
      client.provider.awareness.setLocalStateField('user', user);
      return client;
    },
    async viewId(room) {
      return viewIdAt(kit.server.httpUrl, room);
    },
    async viewer(room) {
      const peer = await openRawPeer(`${kit.server.syncUrl}/view/${await kit.viewId(room)}`);
      kit.open.push(peer);
      return peer;
    },
    async editorSocket(room) {
      const peer = await openRawPeer(`${kit.server.syncUrl}/${room}`);
      kit.open.push(peer);
      return peer;
    },
    rejected(reason) {
      return rejectedTotal(kit.server.httpUrl, reason);
    },
  };
  beforeAll(async () => {
    kit.server = await startServer({ env });
  });
  afterAll(async () => {
    for (const client of kit.open) client.destroy();
    expect(await kit.server.stop()).toBe(0);
  });
  return kit;
}

/**
 * Makes `attacker` announce itself (a viewer, as the review's attacker is) and waits until
 * `witness` sees it: the server handles one socket's frames in order, so everything the
 * attacker sent before has been handled by then.
 */
async function attackerHandled(attacker: RawPeer, witness: Person): Promise<void> {
  const stamp = Date.now() + Math.random();
  attacker.announce({ user: EVE, lastActive: stamp });
  await eventually(() => witness.stateOf(attacker.doc.clientID)?.lastActive === stamp, 'the witness to see the attacker’s own presence');
}

/** `person` changes their presence now and `witness` sees it: both are still in the room. */
async function stillHere(person: Person, witness: Person): Promise<void> {
  const stamp = Date.now() + Math.random();
  person.provider.awareness.setLocalStateField('lastActive', stamp);
  await eventually(
    () => witness.stateOf(person.doc.clientID)?.lastActive === stamp || person.closes.length > 0,
    'the witness to see the renewal',
  );
  expect(person.closes, 'close codes sent to the person renewing').toEqual([]);
}

/** stillHere, and Bob still sees Alice under her own name. */
async function aliceStillHere(alice: Person, bob: Person): Promise<void> {
  await stillHere(alice, bob);
  expect(nameOf(bob.stateOf(alice.doc.clientID))).toBe('Alice');
}

describe('presence outside Tandem’s schema (C1)', () => {
  const kit = roomKit();

  it.each<[string, unknown, string]>([
    ['a caret with no positions (C1)', { user: { name: 'Mallory', color: '#c11574' }, cursor: {} }, 'invalid_presence'],
    ['a colour that fetches a tracking image (M7)', { user: { name: 'Mallory', color: 'url(http://x/track.png)' } }, 'invalid_presence'],
    // Over MAX_PRESENCE_STATE_BYTES: refused before it is even parsed (H11).
    ['a 1 MB name', { user: { name: 'M'.repeat(1_000_000), color: '#c11574' } }, 'presence_too_large'],
    ['an unknown field', { user: { name: 'Mallory', color: '#c11574' }, isAdmin: true }, 'invalid_presence'],
  ])('closes a viewer announcing %s with 4400 and relays none of its frame', async (_label, hostile, reason) => {
    const room = uniqueRoom('schema');
    const alice = await kit.person(room, ALICE);
    const bob = await kit.person(room, BOB);
    const mallory = await kit.viewer(room);
    const before = await kit.rejected(reason);

    // A well-formed state next to the hostile one: the whole frame is refused.
    mallory.send(presenceFrame([{ clientId: 31338, clock: 1, state: { user: EVE } }, { clientId: 31337, clock: 1, state: hostile }]));
    expect(await mallory.closed()).toBe(CloseCode.MALFORMED_MESSAGE);
    expect(await kit.rejected(reason)).toBe(before + 1);

    // Alice's renewal reaches Bob after anything the server relayed for Mallory would have.
    await aliceStillHere(alice, bob);
    for (const person of [alice, bob]) {
      expect(person.seen.has(31337), 'the hostile state reached someone').toBe(false);
      expect(person.seen.has(31338), 'the rest of the refused frame reached someone').toBe(false);
      expect(person.closes).toEqual([]);
    }
  });
});

describe('presence from stock providers', () => {
  const kit = roomKit();

  it('relays names, colours, carets and activity intact, and removes them when a socket closes', async () => {
    const room = uniqueRoom('honest');
    const alice = await kit.person(room, ALICE);
    const bob = await kit.person(room, BOB);
    alice.text.insert(0, 'hello world');
    // What CollaborationCaret publishes: Yjs RelativePosition objects, JSON on the wire.
    alice.provider.awareness.setLocalStateField('cursor', {
      anchor: Y.createRelativePositionFromTypeIndex(alice.text, 2),
      head: Y.createRelativePositionFromTypeIndex(alice.text, 11, -1),
    });
    alice.provider.awareness.setLocalStateField('lastActive', Date.now());
    const sent = JSON.stringify(alice.provider.awareness.getLocalState());
    await eventually(() => JSON.stringify(bob.stateOf(alice.doc.clientID)) === sent, 'Bob to see Alice’s whole state');
    expect((bob.stateOf(alice.doc.clientID)?.cursor as { anchor: unknown }).anchor).toMatchObject({ tname: 'title', assoc: 0 });

    // A stock viewer on the view link shows up as viewing.
    const reader = follow(openClient(`${kit.server.syncUrl}/view`, await kit.viewId(room)));
    kit.open.push(reader);
    await eventually(() => reader.provider.synced, 'the reader to sync');
    reader.provider.awareness.setLocalStateField('user', EVE);
    await eventually(() => nameOf(alice.stateOf(reader.doc.clientID)) === 'Eve', 'Alice to see the reader');
    expect(alice.stateOf(reader.doc.clientID)).toEqual({ user: EVE });

    alice.destroy();
    reader.destroy();
    await eventually(
      () => !bob.provider.awareness.getStates().has(alice.doc.clientID) && !bob.provider.awareness.getStates().has(reader.doc.clientID),
      'Alice and the reader to vanish for Bob',
      3_000,
    );
    expect(bob.closes).toEqual([]);
  });

  it('lets a person who left come back under the same id, however late others echo their old presence', async () => {
    const room = uniqueRoom('return');
    const alice = await kit.person(room, ALICE);
    const bob = await kit.person(room, BOB);
    const aliceId = alice.doc.clientID;
    const carol = await kit.editorSocket(room);
    await eventually(() => nameOf(carol.awareness.getStates().get(aliceId) as State) === 'Alice', 'Carol to see Alice');
    const last: PresenceEntry = {
      clientId: aliceId,
      clock: carol.awareness.meta.get(aliceId)!.clock,
      state: carol.awareness.getStates().get(aliceId),
    };
    const foreignBefore = await kit.rejected('foreign_presence');

    alice.provider.disconnect();
    await eventually(() => !bob.provider.awareness.getStates().has(aliceId), 'Alice to leave');
    // Carol's echo of Alice's last state arrives after Alice left: it must not bring her back
    // (nor make the id Carol's).
    carol.send(presenceFrame([last]));
    await attackerHandled(carol, bob);
    expect(bob.provider.awareness.getStates().has(aliceId)).toBe(false);
    expect(await kit.rejected('foreign_presence')).toBe(foreignBefore);

    alice.provider.connect();
    await eventually(() => alice.provider.synced, 'Alice to be back');
    await aliceStillHere(alice, bob);
  });
});

describe('presence is owned by the connection that introduced it (H1)', () => {
  const kit = roomKit();

  /** Alice and Bob editing, and a viewer that has learnt Alice's client id and clock. */
  async function roomWithAttacker(label: string) {
    const room = uniqueRoom(label);
    const alice = await kit.person(room, ALICE);
    const bob = await kit.person(room, BOB);
    const mallory = await kit.viewer(room);
    const aliceId = alice.doc.clientID;
    await eventually(() => nameOf(mallory.awareness.getStates().get(aliceId) as State) === 'Alice', 'the viewer to learn Alice’s id');
    const aliceClock = () => mallory.awareness.meta.get(aliceId)!.clock;
    return { alice, bob, mallory, aliceId, aliceClock };
  }

  it('drops a viewer’s entry for Alice’s id at the highest clock; Alice renews and is never closed', async () => {
    const { alice, bob, mallory, aliceId } = await roomWithAttacker('impersonate');
    const before = await kit.rejected('foreign_presence');

    mallory.send(presenceFrame([{ clientId: aliceId, clock: HIGHEST_CLOCK, state: FORGED_ALICE }]));
    await attackerHandled(mallory, bob);
    // The review's kick: Alice's next renewal would carry clock 2^53 and be closed with 4400.
    await stillHere(alice, bob);
    await sleep(2_000);
    await stillHere(alice, bob);

    expect(nameOf(bob.stateOf(aliceId))).toBe('Alice');
    expect(nameOf(alice.provider.awareness.getLocalState() as State)).toBe('Alice');
    expect(alice.provider.awareness.meta.get(aliceId)!.clock).toBeLessThan(1000);
    for (const person of [alice, bob]) {
      expect((person.seen.get(aliceId) ?? []).some((json) => json.includes('admin')), 'the forged name reached someone').toBe(false);
      expect(person.closes).toEqual([]);
    }
    expect(await kit.rejected('foreign_presence')).toBe(before + 1);
  });

  it('drops a viewer’s removals of Alice’s id: Alice stays, is never rate-limited, and the viewer pays for them', async () => {
    const { alice, bob, mallory, aliceId, aliceClock } = await roomWithAttacker('removals');

    // The review's kick: a removal at Alice's current clock, again each time she re-announces,
    // until her own burst (300) runs out and she is closed with 4429.
    for (let i = 0; i < 500 && alice.closes.length === 0; i++) {
      mallory.send(presenceFrame([{ clientId: aliceId, clock: aliceClock(), state: null }]));
      await sleep(5);
    }
    await attackerHandled(mallory, bob);
    await aliceStillHere(alice, bob);

    // Removals with newer clocks are news from the viewer: refused, counted and charged to it.
    const before = await kit.rejected('foreign_presence');
    const start = aliceClock();
    for (let i = 1; i <= 400 && mallory.closeCode === null; i++) {
      mallory.send(presenceFrame([{ clientId: aliceId, clock: start + i, state: null }]));
    }
    expect(await mallory.closed()).toBe(CloseCode.RATE_LIMITED);
    // Its burst (300) of them, less the one announcement it made.
    expect(await kit.rejected('foreign_presence')).toBeGreaterThanOrEqual(before + 290);
    await aliceStillHere(alice, bob);
    expect(bob.closes).toEqual([]);
  });

  it('keeps a dropped editor’s id from a viewer racing to claim it: she comes back as herself', async () => {
    const { alice, bob, mallory, aliceId, aliceClock } = await roomWithAttacker('dropped');
    const before = await kit.rejected('foreign_presence');

    // A network blip: Alice's socket drops without a goodbye; she reconnects when we say.
    alice.provider.shouldConnect = false;
    alice.provider.ws?.close();
    await eventually(() => !mallory.awareness.getStates().has(aliceId), 'the viewer to see Alice leave');
    mallory.send(presenceFrame([{ clientId: aliceId, clock: aliceClock() + 2 ** 20, state: FORGED_ALICE }]));
    await attackerHandled(mallory, bob);
    expect(bob.stateOf(aliceId)).toBeUndefined();

    alice.provider.connect();
    await eventually(() => alice.provider.synced, 'Alice to be back');
    alice.closes.length = 0; // the blip's own close
    await aliceStillHere(alice, bob);
    mallory.send(presenceFrame([{ clientId: aliceId, clock: aliceClock() + 1, state: FORGED_ALICE }]));
    await attackerHandled(mallory, bob);
    await aliceStillHere(alice, bob);
    expect(nameOf(alice.provider.awareness.getLocalState() as State)).toBe('Alice');
    for (const person of [alice, bob]) {
      expect((person.seen.get(aliceId) ?? []).some((json) => json.includes('admin')), 'the forged name reached someone').toBe(false);
      expect(person.closes).toEqual([]);
    }
    expect(await kit.rejected('foreign_presence')).toBe(before + 2);
  });

  it('gives an editor her id back from a viewer that claimed it first (as after a restart), even at 2^40', async () => {
    const room = uniqueRoom('reclaim');
    const bob = await kit.person(room, BOB);
    const mallory = await kit.viewer(room);
    const doc = new Y.Doc();
    const aliceId = doc.clientID;
    const before = await kit.rejected('foreign_presence');

    // The server knows nothing of Alice's id (it restarted, and she never wrote): the viewer,
    // who learnt it before, claims it at the highest clock it may.
    mallory.send(presenceFrame([{ clientId: aliceId, clock: 2 ** 40, state: FORGED_ALICE }]));
    await eventually(() => bob.stateOf(aliceId) !== undefined, 'Bob to see the forged Alice');

    // Alice reconnects, a stock provider at her own (low) clock.
    const provider = new WebsocketProvider(kit.server.syncUrl, room, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      connect: false,
    });
    provider.awareness.setLocalStateField('user', ALICE);
    const alice = follow({ doc, provider, text: doc.getText('title'), destroy: () => provider.destroy() });
    kit.open.push(alice);
    provider.connect();
    await eventually(() => nameOf(bob.stateOf(aliceId)) === 'Alice', 'Bob to see Alice again');
    // Her own client took the forged state when greeted with it, and is given hers back.
    await eventually(() => provider.awareness.meta.get(aliceId)!.clock > 2 ** 40 + 1, 'Alice’s client to take the relayed clock');
    expect(nameOf(provider.awareness.getLocalState() as State)).toBe('Alice');

    // She counts on past 2^40 and is shown; the viewer is refused, and its leaving takes nothing.
    await aliceStillHere(alice, bob);
    mallory.send(presenceFrame([{ clientId: aliceId, clock: mallory.awareness.meta.get(aliceId)!.clock + 1, state: FORGED_ALICE }]));
    await attackerHandled(mallory, bob);
    const malloryId = mallory.doc.clientID;
    mallory.destroy();
    await eventually(() => !bob.stateOf(malloryId), 'the viewer to leave');
    await aliceStillHere(alice, bob);
    expect(await kit.rejected('foreign_presence')).toBe(before + 2);
    expect(bob.closes).toEqual([]);
  });

  it('relays only the first MAX_PRESENCE_IDS_PER_CONNECTION (2) ids one socket introduces', async () => {
    const room = uniqueRoom('ids');
    const bob = await kit.person(room, BOB);
    const many = await kit.editorSocket(room);
    const before = await kit.rejected('presence_ids');
    const state = (name: string) => ({ user: { name, color: '#9e2a9b' } });

    many.send(
      presenceFrame([
        { clientId: 900001, clock: 1, state: state('first') },
        { clientId: 900002, clock: 1, state: state('second') },
        { clientId: 900003, clock: 1, state: state('third') },
      ]),
    );
    many.send(presenceFrame([{ clientId: 900004, clock: 1, state: state('fourth') }]));
    many.send(presenceFrame([{ clientId: 900001, clock: 2, state: state('first, renewed') }]));
    await eventually(() => nameOf(bob.stateOf(900001)) === 'first, renewed', 'Bob to see the renewal of the first id');
    expect(nameOf(bob.stateOf(900002))).toBe('second');
    expect(bob.seen.has(900003) || bob.seen.has(900004)).toBe(false);
    expect(await kit.rejected('presence_ids')).toBe(before + 2);

    many.destroy();
    await eventually(() => !bob.stateOf(900001) && !bob.stateOf(900002), 'both ids to vanish with their socket', 3_000);
  });

  it('never closes a socket for a clock, and drops implausible clock jumps', async () => {
    const room = uniqueRoom('clocks');
    const bob = await kit.person(room, BOB);
    const jumper = await kit.editorSocket(room);
    const before = await kit.rejected('implausible_clock');
    const state = (name: string) => ({ user: { name, color: '#9e2a9b' } });

    jumper.send(presenceFrame([{ clientId: 900010, clock: 5, state: state('five') }]));
    jumper.send(presenceFrame([{ clientId: 900010, clock: 5 + 2 ** 21, state: state('jumped') }]));
    jumper.send(presenceFrame([{ clientId: 900010, clock: 2 ** 53, state: state('past 2^53') }]));
    jumper.send(presenceFrame([{ clientId: 900010, clock: 6, state: state('six') }]));
    await eventually(() => nameOf(bob.stateOf(900010)) === 'six', 'Bob to see the plausible renewal');
    expect(bob.seen.get(900010)!.some((json) => /jumped|2\^53/.test(json))).toBe(false);
    expect(await kit.rejected('implausible_clock')).toBe(before + 2);
    expect(jumper.closeCode).toBeNull();
  });
});

describe('echoes in a busy room (AWARENESS_BURST=5)', () => {
  const kit = roomKit({ AWARENESS_RATE_PER_SECOND: '2', AWARENESS_BURST: '5' });

  it('cost nothing and count as nothing: stock clients echo every change they receive', async () => {
    const room = uniqueRoom('echoes');
    const crowd: Person[] = [];
    for (let i = 0; i < 4; i++) crowd.push(await kit.person(room, { name: `person ${i}`, color: '#3538cd' }));
    const before = { limited: await kit.rejected('rate_limited'), foreign: await kit.rejected('foreign_presence') };

    // Each person changes presence three times, 600 ms apart, and echoes the other three's
    // changes: 12 frames each in 1.8 s, but only 3 (plus the first) of them their own news.
    for (let round = 1; round <= 3; round++) {
      crowd.forEach((person, i) => person.provider.awareness.setLocalStateField('user', { name: `person ${i} round ${round}`, color: '#3538cd' }));
      await sleep(600);
    }
    await eventually(
      () => crowd.some((person) => person.closes.length > 0) || crowd.every((viewer) => crowd.every((other, i) => nameOf(viewer.stateOf(other.doc.clientID)) === `person ${i} round 3`)),
      'everyone to see everyone’s last presence',
    );
    expect(crowd.map((person) => person.closes)).toEqual([[], [], [], []]);
    expect(await kit.rejected('rate_limited')).toBe(before.limited);
    expect(await kit.rejected('foreign_presence')).toBe(before.foreign);

    // Leaving: the others echo the removal; it neither costs them nor is counted.
    crowd[3].destroy();
    await eventually(() => crowd.slice(0, 3).every((person) => !person.stateOf(crowd[3].doc.clientID)), 'person 3 to vanish for everyone');
    await stillHere(crowd[0], crowd[1]);
    expect(await kit.rejected('foreign_presence')).toBe(before.foreign);
    expect(await kit.rejected('rate_limited')).toBe(before.limited);
  });
});

describeUnlessSkipped('presence ownership across instances', SCALE_SKIP_REASON, () => {
  let cluster: Cluster;
  const open: { destroy(): void }[] = [];
  const person = async (i: number, room: string, user: Record<string, unknown>) => {
    const client = follow(await connectClient(cluster.instanceSyncUrl(i), room));
    open.push(client);
    client.provider.awareness.setLocalStateField('user', user);
    return client;
  };
  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(async () => {
    for (const client of open) client.destroy();
    await cluster?.close();
  });

  it('drops a viewer’s entry for an id another instance’s client owns; that client moves instances and keeps its presence', async () => {
    const room = uniqueRoom('scale-own');
    const bob = await person(1, room, BOB);
    // Presence is not replayed to an instance that loads the room later: Alice comes second.
    const alice = await person(0, room, ALICE);
    const aliceId = alice.doc.clientID;
    await eventually(() => nameOf(bob.stateOf(aliceId)) === 'Alice', 'Bob (instance 1) to see Alice (instance 0)');
    const [, second] = cluster.instances;
    const mallory = await openRawPeer(`${second.syncUrl}/view/${await viewIdAt(second.httpUrl, room)}`);
    open.push(mallory);
    await eventually(() => mallory.awareness.getStates().has(aliceId), 'the viewer to learn Alice’s id');
    const before = await rejectedTotal(second.httpUrl, 'foreign_presence');

    mallory.send(presenceFrame([{ clientId: aliceId, clock: HIGHEST_CLOCK, state: FORGED_ALICE }]));
    await attackerHandled(mallory, bob);
    await aliceStillHere(alice, bob);
    expect((bob.seen.get(aliceId) ?? []).some((json) => json.includes('admin'))).toBe(false);
    expect(await rejectedTotal(second.httpUrl, 'foreign_presence')).toBe(before + 1);

    // Alice's socket moves to instance 1 (a reconnect through the load balancer): her id is
    // free there once instance 0 reports her gone, and she renews it from her new socket.
    const { awareness } = alice.provider;
    alice.provider.destroy();
    await eventually(() => !bob.stateOf(aliceId), 'Alice to leave instance 0');
    const provider = new WebsocketProvider(cluster.instanceSyncUrl(1), room, alice.doc, {
      awareness,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    const moved = follow({ doc: alice.doc, provider, text: alice.text, destroy: () => provider.destroy() });
    open.push(moved);
    await eventually(() => provider.synced, 'Alice to be back, on instance 1');
    await aliceStillHere(moved, bob);
    expect(alice.closes).toEqual([]);
  });
});
