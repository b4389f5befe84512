/**
 * Several real Tandem server processes sharing one PostgreSQL schema and one Redis, behind a
 * round-robin TCP load balancer (no sticky sessions), the way issue 7 deploys them. Each
 * instance reaches Redis through its own proxy, so a test can take Redis away from these
 * instances only, or from one of them.
 */
import pg from 'pg';
import * as Y from 'yjs';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from './postgres';
import { startServer, type ServerProcess } from './server-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** The Redis the scale-out tests use, or undefined (they are skipped). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/** Why the scale-out tests are skipped, or null when they run. */
export const SCALE_SKIP_REASON =
  TEST_DATABASE_URL && TEST_REDIS_URL ? null : 'skipped: TEST_DATABASE_URL and TEST_REDIS_URL must both be set';

export interface Cluster {
  instances: ServerProcess[];
  /** Base URL for WebsocketProvider through the load balancer. */
  syncUrl: string;
  /** Base URL for WebsocketProvider straight to instance `i`. */
  instanceSyncUrl(i: number): string;
  schema: TestSchema;
  /** Between the instances and Redis: `cut()` is a Redis outage for this cluster only. */
  redis: { cut(): void; restore(): void };
  /** Instance `i`'s own way to Redis: `cut()` isolates that instance alone. */
  redisOf(i: number): TcpProxy;
  /** Starts instance `i` again (same port, id and env) after it was stopped or killed. */
  restart(i: number): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Extra environment for every instance. */
  env?: Record<string, string>;
}

/** Starts `count` instances at once (so their migrations race, as in a real rollout). */
export async function startCluster(count: number, options: ClusterOptions = {}): Promise<Cluster> {
  if (SCALE_SKIP_REASON) throw new Error(SCALE_SKIP_REASON);
  const schema = await createTestSchema('cluster');
  const redisTarget = new URL(TEST_REDIS_URL!);
  const proxies = await Promise.all(
    Array.from({ length: count }, () => startTcpProxy([{ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) }])),
  );
  const redisUrlFor = (i: number) => {
    const url = new URL(TEST_REDIS_URL!);
    url.hostname = '127.0.0.1';
    url.port = String(proxies[i].port);
    return url.toString();
  };
  const envFor = (i: number) => ({
    REDIS_URL: redisUrlFor(i),
    INSTANCE_ID: `${schema.name}-${i}`,
    SCALE_HEAL_INTERVAL_MS: '500',
    ...options.env,
  });
  const instances = await Promise.all(
    Array.from({ length: count }, (_, i) => startServer({ databaseUrl: schema.url, env: envFor(i) })),
  );
  const balancer = await startTcpProxy(instances.map((instance) => ({ host: '127.0.0.1', port: instance.port })));
  return {
    instances,
    syncUrl: `ws://127.0.0.1:${balancer.port}/sync`,
    instanceSyncUrl: (i) => instances[i].syncUrl,
    schema,
    redis: {
      cut: () => proxies.forEach((proxy) => proxy.cut()),
      restore: () => proxies.forEach((proxy) => proxy.restore()),
    },
    redisOf: (i) => proxies[i],
    async restart(i) {
      instances[i] = await startServer({ databaseUrl: schema.url, port: instances[i].port, env: envFor(i) });
    },
    async close() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await balancer.close();
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await schema.drop();
    },
  };
}

/** The document PostgreSQL holds for `room` (snapshot + log), read without Tandem's code. */
export async function storedPostgresDoc(databaseUrl: string, room: string): Promise<Y.Doc> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ data: Buffer }>(
      `SELECT data FROM (SELECT 0 AS part, through_id AS id, data FROM room_snapshots WHERE room = $1
       UNION ALL SELECT 1, id, data FROM room_updates WHERE room = $1) stored ORDER BY part, id`,
      [room],
    );
    const doc = new Y.Doc();
    Y.transact(doc, () => {
      for (const row of rows) Y.applyUpdate(doc, row.data);
    });
    return doc;
  } finally {
    await client.end();
  }
}

/** How many log entries PostgreSQL holds for `room`. */
export async function storedLogLength(databaseUrl: string, room: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM room_updates WHERE room = $1', [room]);
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
