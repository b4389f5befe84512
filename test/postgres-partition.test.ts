/**
 * A silent PostgreSQL partition (security review H9): between the server and PostgreSQL a
 * proxy keeps the connections open and ACKed but stops forwarding anything, as a hung pooler
 * or a failover behind NAT does. Queries must time out, the rooms waiting on them give up
 * (4504) instead of freezing, /readyz must say 503 and answer in time, and once PostgreSQL
 * answers again everything the people typed, during the outage too, is stored: 0 words lost.
 * A fresh joiner then syncs, and SIGTERM stops the server cleanly, in the middle of an outage
 * too. Runs with TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeUnlessSkipped } from './support/describe-when';
import { connectClient, uniqueRoom } from './support/clients';
import { storedPostgresDoc } from './support/cluster';
import { createTestSchema, POSTGRES_SKIP_REASON, TEST_DATABASE_URL, type TestSchema } from './support/postgres';
import { startServer, type ServerProcess } from './support/server-process';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { connectTrackedClient, type TrackedClient } from './support/tracked-client';
import { roomLogId } from '../server/log';
import { LogMessage } from '../server/log-messages';
import { eventually, sleep } from './support/wait';

/** Appends `count` words, one every `pauseMs`; returns them. */
async function typeWords(client: TrackedClient, prefix: string, count: number, pauseMs: number): Promise<string[]> {
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = `${prefix}${i}`;
    client.text.insert(client.text.length, `${word} `);
    words.push(word);
    await sleep(pauseMs);
  }
  return words;
}

/** /readyz's status, or 0 when it does not answer within 4 s. */
async function readyzStatus(server: ServerProcess): Promise<number> {
  try {
    return (await fetch(`${server.httpUrl}/readyz`, { signal: AbortSignal.timeout(4_000) })).status;
  } catch {
    return 0;
  }
}

const missing = (words: string[], text: string) => words.filter((word) => !text.split(/\s+/).includes(word));

describeUnlessSkipped('a silent PostgreSQL partition', TEST_DATABASE_URL ? null : POSTGRES_SKIP_REASON, () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let server: ServerProcess;
  const clients: TrackedClient[] = [];
  beforeAll(async () => {
    schema = await createTestSchema('partition');
    const target = new URL(TEST_DATABASE_URL!);
    proxy = await startTcpProxy([{ host: target.hostname, port: Number(target.port || 5432) }]);
    const databaseUrl = new URL(schema.url);
    databaseUrl.hostname = '127.0.0.1';
    databaseUrl.port = String(proxy.port);
    server = await startServer({
      databaseUrl: databaseUrl.toString(),
      env: { STORAGE_TIMEOUT_MS: '1000', STORAGE_FAILURE_TIMEOUT_MS: '3000' },
    });
  });
  afterAll(async () => {
    proxy?.resume();
    for (const client of clients) client.destroy();
    await server?.stop();
    await proxy?.close();
    await schema?.drop();
  });

  it('stores every word typed during and after the outage once PostgreSQL answers; /readyz 503 during, 200 after', async () => {
    const room = uniqueRoom('pg-partition');
    const alice = await connectTrackedClient(server.syncUrl, room);
    const bob = await connectTrackedClient(server.syncUrl, room);
    clients.push(alice, bob);
    const typed = [...(await typeWords(alice, 'before', 5, 20)), ...(await typeWords(bob, 'early', 5, 20))];
    await eventually(() => alice.tracker.getState().kind === 'saved' && bob.tracker.getState().kind === 'saved', 'both to be saved');
    expect(await readyzStatus(server)).toBe(200);

    proxy.blackhole();
    const during = Promise.all([typeWords(alice, 'during', 40, 100), typeWords(bob, 'meanwhile', 40, 100)]);
    // Readiness answers, and says the truth: storage is not there.
    let outageStatus = await readyzStatus(server);
    for (let i = 0; i < 40 && outageStatus !== 503; i++) {
      await sleep(100);
      outageStatus = await readyzStatus(server);
    }
    expect(outageStatus).toBe(503);
    typed.push(...(await during).flat());
    // Past STORAGE_FAILURE_TIMEOUT_MS the room gave up rather than freeze (its clients reconnect).
    expect(server.logs.some((entry) => entry.room === roomLogId(room) && entry.msg === LogMessage.storageKeptFailing)).toBe(true);
    expect(await readyzStatus(server)).toBe(503);

    proxy.resume();
    typed.push(...(await typeWords(alice, 'after', 10, 30)));
    await eventually(
      async () => missing(typed, (await storedPostgresDoc(schema.url, room)).getText('title').toString()).length === 0,
      'every word to be stored',
      30_000,
    );
    await eventually(() => alice.tracker.getState().kind === 'saved' && bob.tracker.getState().kind === 'saved', 'both to be saved again', 30_000);
    const stored = (await storedPostgresDoc(schema.url, room)).getText('title').toString();
    expect(missing(typed, stored)).toEqual([]);
    await eventually(async () => (await readyzStatus(server)) === 200, '/readyz to recover');

    const joiner = await connectClient(server.syncUrl, room);
    expect(missing(typed, joiner.text.toString())).toEqual([]);
    joiner.destroy();
    expect(await server.stop()).toBe(0);
  });

  it('stops cleanly on SIGTERM in the middle of the outage, with appends hanging', async () => {
    const target = new URL(TEST_DATABASE_URL!);
    const silentProxy = await startTcpProxy([{ host: target.hostname, port: Number(target.port || 5432) }]);
    const databaseUrl = new URL(schema.url);
    databaseUrl.hostname = '127.0.0.1';
    databaseUrl.port = String(silentProxy.port);
    const stopped = await startServer({ databaseUrl: databaseUrl.toString(), env: { STORAGE_TIMEOUT_MS: '1000' } });
    try {
      const typist = await connectTrackedClient(stopped.syncUrl, uniqueRoom('pg-sigterm'));
      clients.push(typist);
      silentProxy.blackhole();
      await typeWords(typist, 'unstored', 10, 20);
      await sleep(300);
      const stopping = Date.now();
      expect(await stopped.stop()).toBe(0);
      // Well inside the 10 s shutdown timeout (which exits 1).
      expect(Date.now() - stopping).toBeLessThan(8_000);
      // Nothing it could not store was acknowledged: the client still holds it as unsaved.
      expect(typist.tracker.hasUnsavedChanges).toBe(true);
    } finally {
      await stopped.stop();
      await silentProxy.close();
    }
  });
});
