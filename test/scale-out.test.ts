/**
 * Scale-out (issue 7) against real PostgreSQL and Redis: three real server processes share one
 * schema and one Redis, stock y-websocket clients of one room spread over them (directly, or
 * through a round-robin load balancer without sticky sessions). Typing converges everywhere,
 * presence crosses instances, a SIGKILLed instance loses nothing anyone received (nor what it
 * stored but could not publish), a Redis outage heals without any client reconnecting, a
 * rotated view or comment link closes its connections everywhere, and two instances never compact a room at
 * once. Runs when TEST_DATABASE_URL and TEST_REDIS_URL are set (CI sets both).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../lib/protocol/close-codes';
import { MessageType } from '../lib/protocol/sync-protocol';
import { COMPACTION_LOCK_CLASS } from '../server/storage/postgres';
import { connectClient, containsAll, namesSeenBy, openClient, uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, storedLogLength, storedPostgresDoc, type Cluster } from './support/cluster';
import { metricValue } from './support/metrics';
import { describeUnlessSkipped } from './support/describe-when';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { eventually, sleep } from './support/wait';

/** Of each person's 120 characters in the Redis outage test, how many they type with Redis away. */
const TYPED_DURING_OUTAGE = 100;

/** Inserts `count` characters at random places, one edit every few milliseconds. */
async function typeRandomly(client: Client, count: number, letter: string, pauseMs = 15): Promise<void> {
  for (let i = 0; i < count; i++) {
    client.text.insert(Math.floor(Math.random() * (client.text.length + 1)), letter);
    await sleep(pauseMs);
  }
}

/** How many times `letter` occurs in `text`. */
function countOf(text: string, letter: string): number {
  return text.split(letter).length - 1;
}

/** Every client holds the same text of `length` characters. */
function converged(clients: Client[], length: number): boolean {
  const text = clients[0].text.toString();
  return text.length === length && clients.every((client) => client.text.toString() === text);
}

/** A fresh client straight to one instance, synced: what that instance's doc holds. */
async function docOfInstance(cluster: Cluster, i: number, room: string): Promise<Y.Doc> {
  const probe = await connectClient(cluster.instanceSyncUrl(i), room);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(probe.doc));
  probe.destroy();
  return doc;
}

async function metricSum(cluster: Cluster, name: string, labels?: Record<string, string>): Promise<number> {
  const values = await Promise.all(cluster.instances.map((instance) => metricValue(instance.httpUrl, name, labels)));
  return values.reduce((sum, value) => sum + value, 0);
}

describeUnlessSkipped('scale-out across instances', SCALE_SKIP_REASON, () => {
  let cluster: Cluster;
  const clients: Client[] = [];
  const connect = async (url: string, room: string) => {
    const client = await connectClient(url, room);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cluster = await startCluster(3, { env: { COMPACT_AFTER_UPDATES: '40' } });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('clients of one room on three instances type at once and converge; presence crosses instances', async () => {
    const room = uniqueRoom('spread');
    const people: Client[] = [];
    for (let i = 0; i < 6; i++) people.push(await connect(cluster.instanceSyncUrl(i % 3), room));
    people.forEach((person, i) => person.provider.awareness.setLocalStateField('user', { name: `person ${i}`, color: '#175cd3' }));

    await Promise.all(people.map((person, i) => typeRandomly(person, 40, String.fromCharCode(97 + i))));
    await eventually(() => converged(people, 240), 'all six to hold the same 240 characters', 30_000);
    for (let i = 0; i < 6; i++) {
      expect(people[0].text.toString().split(String.fromCharCode(97 + i)).length - 1).toBe(40);
    }
    await eventually(() => people.every((person) => namesSeenBy(person).size === 6), 'everyone to see all six people');

    // Leaving on one instance removes that presence on the others at once.
    people[5].destroy();
    await eventually(
      () => people.slice(0, 5).every((person) => !namesSeenBy(person).has('person 5')),
      'person 5 to disappear everywhere',
    );
    // Every instance stored only its own clients' edits, and together they hold everything.
    expect((await storedPostgresDoc(cluster.schema.url, room)).getText('title').toString()).toHaveLength(240);
  });

  it('loses nothing anyone received when one instance is SIGKILLed mid-typing; its clients move on', async () => {
    const room = uniqueRoom('kill');
    // Through the load balancer: two per instance, and reconnects go to a live one.
    const typists: Client[] = [];
    const openOnDoomed = () => metricValue(cluster.instances[1].httpUrl, 'tandem_connections_open');
    await eventually(async () => (await openOnDoomed()) === 0, 'the last test\'s clients to be gone');
    for (let i = 0; i < 6; i++) typists.push(await connect(cluster.syncUrl, room));
    expect(await openOnDoomed()).toBe(2);
    const onDoomed = await connect(cluster.instanceSyncUrl(1), room);
    onDoomed.provider.awareness.setLocalStateField('user', { name: 'stranded', color: '#175cd3' });
    await eventually(() => namesSeenBy(typists[0]).has('stranded'), 'the stranded person to be seen');

    const typing = Promise.all(typists.map((typist, i) => typeRandomly(typist, 50, String.fromCharCode(97 + i), 20)));
    await sleep(400);
    await cluster.instances[1].kill();
    // What every client had received at the moment of the crash.
    const seen = typists.map((typist) => Y.encodeStateAsUpdate(typist.doc));
    await typing;

    await eventually(() => converged(typists, 300), 'every typist to hold all 300 characters', 45_000);
    // The one who cannot reconnect disappears for the others: their instance went silent.
    await eventually(() => typists.every((typist) => !namesSeenBy(typist).has('stranded')), 'stranded presence to vanish');
    const stored = await storedPostgresDoc(cluster.schema.url, room);
    const survivors = [await docOfInstance(cluster, 0, room), await docOfInstance(cluster, 2, room)];
    for (const update of seen) {
      const received = new Y.Doc();
      Y.applyUpdate(received, update);
      expect(containsAll(stored, received)).toBe(true);
      for (const doc of [...survivors, ...typists.map((typist) => typist.doc)]) expect(containsAll(doc, received)).toBe(true);
    }
    expect(stored.getText('title').toString()).toBe(typists[0].text.toString());
    await cluster.restart(1);
  });

  it('what a cut-off instance stored reaches the others from storage, even after it and its client die', async () => {
    const room = uniqueRoom('orphan');
    const reader = await connect(cluster.instanceSyncUrl(0), room);
    const writer = await connect(cluster.instanceSyncUrl(1), room);
    writer.text.insert(0, 'shared ');
    await eventually(() => reader.text.toString() === 'shared ', 'the first words to cross instances');
    cluster.redisOf(1).cut();
    writer.text.insert(7, 'stored but never published');
    await eventually(
      async () => (await storedPostgresDoc(cluster.schema.url, room)).getText('title').toString() === writer.text.toString(),
      'instance 1 to store the words',
    );
    // Neither the instance nor its client survives to pass the words on.
    clients.splice(clients.indexOf(writer), 1);
    writer.destroy();
    await cluster.instances[1].kill();
    cluster.redisOf(1).restore();
    await eventually(() => reader.text.toString() === 'shared stored but never published', 'instance 0 to read them from storage');
    await cluster.restart(1);
  });

  it('heals after Redis is gone for seconds mid-typing, without any client reconnecting; /readyz says degraded', async () => {
    const room = uniqueRoom('outage');
    const people: Client[] = [];
    for (let i = 0; i < 3; i++) people.push(await connect(cluster.instanceSyncUrl(i), room));
    let reconnects = 0;
    for (const person of people) person.provider.on('connection-close', () => reconnects++);
    const healsBefore = await metricSum(cluster, 'tandem_scale_heals_total', { direction: 'applied' });
    const readyz = async () => {
      const response = await fetch(`${cluster.instances[0].httpUrl}/readyz`);
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', storage: 'postgres', redis: 'up' } });

    const typing = Promise.all(people.map((person, i) => typeRandomly(person, 120, String.fromCharCode(97 + i), 25)));
    await sleep(300);
    cluster.redis.cut();
    let down = await readyz();
    for (let i = 0; i < 50 && down.body.redis === 'up'; i++) {
      await sleep(50);
      down = await readyz();
    }
    // Still ready: the instance serves its own clients; Redis being away is reported, not fatal.
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'ready', redis: 'degraded' });
    expect(down.body.reason).toMatch(/^redis: /);
    // Redis stays away while each person types most of their 120 characters (seconds of
    // typing), so every instance has plenty of changes the others must heal.
    await eventually(
      () => people.every((person, i) => countOf(person.text.toString(), String.fromCharCode(97 + i)) >= TYPED_DURING_OUTAGE),
      `each person to type ${TYPED_DURING_OUTAGE} characters while Redis is away`,
    );
    // Meanwhile each instance's clients keep working with each other's edits missing.
    expect(people[0].text.toString()).not.toBe(people[1].text.toString());
    cluster.redis.restore();
    await typing;

    await eventually(() => converged(people, 360), 'all three to converge after Redis returns', 30_000);
    expect(reconnects).toBe(0);
    expect(await metricSum(cluster, 'tandem_scale_heals_total', { direction: 'applied' })).toBeGreaterThan(healsBefore);
    // Converged instances stop sending each other heals (offers keep flowing, answers do not):
    // after a settling pause, none for 1.5 s (three heal intervals). Both pauses are on purpose.
    await sleep(1_500);
    const healsSettled = await metricSum(cluster, 'tandem_scale_heals_total', { direction: 'sent' });
    await sleep(1_500);
    expect(await metricSum(cluster, 'tandem_scale_heals_total', { direction: 'sent' })).toBe(healsSettled);
    await eventually(async () => (await readyz()).body.redis === 'up', '/readyz to say Redis is back');
    expect((await readyz()).status).toBe(200);
    expect((await storedPostgresDoc(cluster.schema.url, room)).getText('title').toString()).toBe(people[0].text.toString());
  });

  it('rotating a view link on one instance closes its viewers on the others with 4410', async () => {
    const room = uniqueRoom('rotate');
    const viewLink = (method: 'GET' | 'POST') =>
      fetch(`${cluster.instances[0].httpUrl}/api/rooms/${room}/view-link`, { method }).then(
        async (response) => ((await response.json()) as { viewId: string }).viewId,
      );
    const oldId = await viewLink('GET');
    const viewer = openClient(`${cluster.instanceSyncUrl(2)}/view`, oldId);
    clients.push(viewer);
    // Read-only is expected here: no console warning for it (the stock handler's one job).
    viewer.provider.messageHandlers[MessageType.AUTH] = () => {};
    await eventually(() => viewer.provider.synced, 'the viewer to sync');
    const closed: number[] = [];
    viewer.provider.on('connection-close', (event: CloseEvent | null) => closed.push(event?.code ?? 0));
    expect(await viewLink('POST')).not.toBe(oldId);
    await eventually(() => closed.includes(CloseCode.VIEW_LINK_REVOKED), 'the viewer on another instance to be closed');
  });

  it('rotating a comment link on one instance closes its commenters on the others with 4410, and only them', async () => {
    const room = uniqueRoom('rotatecomment');
    const api = (kind: 'view' | 'comment', method: 'GET' | 'POST') =>
      fetch(`${cluster.instances[0].httpUrl}/api/rooms/${room}/${kind}-link`, { method }).then(
        async (response) => (await response.json()) as { viewId?: string; commentId?: string },
      );
    const oldId = (await api('comment', 'GET')).commentId!;
    const viewId = (await api('view', 'GET')).viewId!;
    const readers = [
      openClient(`${cluster.instanceSyncUrl(1)}/comment`, oldId),
      openClient(`${cluster.instanceSyncUrl(2)}/comment`, oldId),
      openClient(`${cluster.instanceSyncUrl(2)}/view`, viewId),
    ];
    clients.push(...readers);
    const closed = readers.map(() => [] as number[]);
    readers.forEach((reader, i) => {
      reader.provider.messageHandlers[MessageType.AUTH] = () => {};
      reader.provider.on('connection-close', (event: CloseEvent | null) => closed[i].push(event?.code ?? 0));
    });
    await eventually(() => readers.every((reader) => reader.provider.synced), 'the commenters and the viewer to sync');
    const newId = (await api('comment', 'POST')).commentId!;
    expect(newId).not.toBe(oldId);
    await eventually(
      () => closed[0].includes(CloseCode.VIEW_LINK_REVOKED) && closed[1].includes(CloseCode.VIEW_LINK_REVOKED),
      'the commenters on the other instances to be closed',
    );
    expect([readers[0].provider.shouldConnect, readers[1].provider.shouldConnect]).toEqual([false, false]);
    // The old id opens nothing on any instance; the viewer of the same room was never closed.
    const stale = openClient(`${cluster.instanceSyncUrl(1)}/comment`, oldId);
    clients.push(stale);
    const staleCloses: number[] = [];
    stale.provider.on('connection-close', (event: CloseEvent | null) => staleCloses.push(event?.code ?? 0));
    await eventually(() => staleCloses.length > 0, 'the stale commenter to be refused');
    expect(stale.provider.synced).toBe(false);
    expect(closed[2]).toEqual([]);
    expect(readers[2].provider.wsconnected).toBe(true);
  });

  it('two instances wanting to compact one room at once: they wait their turn, nothing is lost', async () => {
    const room = uniqueRoom('compact');
    const people = [await connect(cluster.instanceSyncUrl(0), room), await connect(cluster.instanceSyncUrl(1), room)];
    const waitsBefore = await Promise.all([0, 1].map((i) => metricValue(cluster.instances[i].httpUrl, 'tandem_compaction_lock_waits_total')));
    // Hold the room's compaction lock, as a third instance in the middle of compacting would.
    const holder = new pg.Client({ connectionString: cluster.schema.url });
    await holder.connect();
    let text: string;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [COMPACTION_LOCK_CLASS, room]);
      await Promise.all(people.map((person, i) => typeRandomly(person, 60, String.fromCharCode(97 + i), 10)));
      await eventually(() => converged(people, 120), 'both to converge', 30_000);
      text = people[0].text.toString();
      // Both leave: each instance compacts the room before unloading it (and may already
      // have started, past COMPACT_AFTER_UPDATES), so both now wait for the lock.
      for (const person of clients.splice(0)) person.destroy();
      for (const i of [0, 1]) {
        await eventually(
          async () => (await metricValue(cluster.instances[i].httpUrl, 'tandem_compaction_lock_waits_total')) > waitsBefore[i],
          `instance ${i} to report its compaction waiting`,
          30_000,
        );
        // The log line may trail the metric through the pipe.
        await eventually(
          () => cluster.instances[i].logs.some((entry) => entry.room === roomLogId(room) && entry.msg === LogMessage.compactionLockWait),
          `instance ${i} to log that its compaction waits`,
        );
      }
      // Nothing was folded while the lock was held.
      expect(await storedLogLength(cluster.schema.url, room)).toBeGreaterThan(1);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    await eventually(async () => (await storedLogLength(cluster.schema.url, room)) === 0, 'the log to be folded', 30_000);
    expect((await storedPostgresDoc(cluster.schema.url, room)).getText('title').toString()).toBe(text);
  });
});
