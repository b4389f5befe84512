/**
 * Scale-out presence when a room starts on several instances at once (issue 13): six stock
 * y-websocket clients, two per instance, join one fresh room at about the same moment, and
 * everyone sees all six within a second. Presence one instance published before another had
 * subscribed to the room never reached that one; the next renewal (15 s) was the only cure,
 * so an instance now asks the others for their presence once it holds the room. Twenty rounds
 * on one cluster, a fresh room each. Real PostgreSQL and Redis (TEST_DATABASE_URL and
 * TEST_REDIS_URL; skipped without them).
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { namesSeenBy, openClient, uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, type Cluster } from './support/cluster';
import { describeUnlessSkipped } from './support/describe-when';
import { eventually } from './support/wait';

const ROUNDS = 20;
const PEOPLE = 6;
const INSTANCES = 3;
/** Longest anyone may wait, once everyone is connected, to see everyone. */
const SEE_EVERYONE_MS = 1_000;

describeUnlessSkipped('scale-out presence of a room starting on every instance at once', SCALE_SKIP_REASON, () => {
  let cluster: Cluster;
  const clients: Client[] = [];

  beforeAll(async () => {
    cluster = await startCluster(INSTANCES);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it(`six people on three instances see each other within a second, in ${ROUNDS} of ${ROUNDS} rounds`, async () => {
    const late: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const room = uniqueRoom(`presence-${round}`);
      const people = Array.from({ length: PEOPLE }, (_, i) => {
        const person = openClient(cluster.instanceSyncUrl(i % INSTANCES), room);
        // Set before the socket opens: sent with the handshake, as a browser does on page load.
        person.provider.awareness.setLocalStateField('user', { name: `person ${i}`, color: '#175cd3' });
        clients.push(person);
        return person;
      });
      await eventually(() => people.every((person) => person.provider.synced), `round ${round}: all six to sync`);
      const connectedAt = Date.now();
      const everyoneSeen = () => people.every((person) => namesSeenBy(person).size === PEOPLE);
      await eventually(everyoneSeen, 'everyone to see everyone', SEE_EVERYONE_MS).catch(() => {
        const seen = people.map((person) => namesSeenBy(person).size).join(', ');
        late.push(`round ${round}: after ${Date.now() - connectedAt} ms each saw ${seen} of ${PEOPLE}`);
      });
      for (const client of clients.splice(0)) client.destroy();
    }
    expect(late).toEqual([]);
  }, 60_000);
});
