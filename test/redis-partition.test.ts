/**
 * A silent Redis partition (security review M3): between two instances and Redis a proxy keeps
 * the connections open and ACKed but forwards nothing. Without command timeouts ioredis waits
 * on those sockets for ever and the instances never hear from each other again. They must
 * notice (PINGs unanswered), reconnect, and converge once Redis answers; meanwhile each keeps
 * serving its own clients and /readyz stays 200, saying Redis is degraded; the logs say once
 * that Redis was lost and once that it is back. Runs with TEST_DATABASE_URL and TEST_REDIS_URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectClient, uniqueRoom, type Client } from './support/clients';
import { SCALE_SKIP_REASON, startCluster, type Cluster } from './support/cluster';
import { describeUnlessSkipped } from './support/describe-when';
import { eventually, sleep } from './support/wait';
import { LogMessage, type LogMessageText } from '../server/log-messages';

async function typeLetters(client: Client, letter: string, count: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    client.text.insert(Math.floor(Math.random() * (client.text.length + 1)), letter);
    await sleep(pauseMs);
  }
}

async function readyz(cluster: Cluster, i: number): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${cluster.instances[i].httpUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const logged = (cluster: Cluster, i: number, msg: LogMessageText) => cluster.instances[i].logs.filter((entry) => entry.msg === msg).length;

describeUnlessSkipped('a silent Redis partition', SCALE_SKIP_REASON, () => {
  let cluster: Cluster;
  const clients: Client[] = [];
  beforeAll(async () => {
    cluster = await startCluster(2, { env: { REDIS_TIMEOUT_MS: '500', SCALE_HEAL_INTERVAL_MS: '500' } });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cluster?.close();
  });

  it('two instances typing through a blackholed Redis converge soon after it answers again; /readyz 200 degraded meanwhile', async () => {
    const room = uniqueRoom('redis-blackhole');
    const a = await connectClient(cluster.instanceSyncUrl(0), room);
    const b = await connectClient(cluster.instanceSyncUrl(1), room);
    clients.push(a, b);
    for (const i of [0, 1]) expect((await readyz(cluster, i)).body.redis).toBe('up');

    const typing = Promise.all([typeLetters(a, 'a', 100, 30), typeLetters(b, 'b', 100, 30)]);
    await sleep(300);
    for (const i of [0, 1]) cluster.redisOf(i).blackhole();
    for (const i of [0, 1]) {
      let answer = await readyz(cluster, i);
      for (let n = 0; n < 100 && answer.body.redis === 'up'; n++) {
        await sleep(50);
        answer = await readyz(cluster, i);
      }
      // Each instance still serves its clients: ready, with Redis reported as degraded.
      expect(answer).toMatchObject({ status: 200, body: { status: 'ready', redis: 'degraded' } });
      expect(answer.body.reason).toMatch(/^redis: /);
    }
    await sleep(2_000);
    expect(a.text.toString()).not.toBe(b.text.toString());
    for (const i of [0, 1]) cluster.redisOf(i).resume();
    await typing;

    await eventually(() => a.text.length === 200 && a.text.toString() === b.text.toString(), 'both instances to converge', 20_000);
    for (const i of [0, 1]) {
      await eventually(() => logged(cluster, i, LogMessage.redisReachableAgain) >= 1, `instance ${i} to log that Redis is back`);
      // Lost once, back once: not a line per message or per reconnect attempt.
      expect(logged(cluster, i, LogMessage.redisUnreachable)).toBe(1);
      expect(logged(cluster, i, LogMessage.redisReachableAgain)).toBe(1);
      expect((await readyz(cluster, i)).body).toMatchObject({ status: 'ready', redis: 'up' });
    }
    // A newcomer on either instance sees everything.
    const newcomer = await connectClient(cluster.instanceSyncUrl(1), room);
    clients.push(newcomer);
    expect(newcomer.text.toString()).toBe(a.text.toString());
  });
});
