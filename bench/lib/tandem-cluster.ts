/**
 * Several Tandem instances for the multi-instance benchmark, each its own child process of
 * `server/main.ts` as a self-hoster runs them: one PostgreSQL schema (fresh per cluster,
 * dropped on stop) and one Redis shared by all. BENCH_DATABASE_URL / BENCH_REDIS_URL pick
 * them (else TEST_DATABASE_URL / TEST_REDIS_URL, else the local defaults).
 */
import pg from 'pg';
import { freePort, spawnServer, tandemScript } from '../../test/support/spawn';
import { BENCH_TANDEM_LIMITS } from './servers';
import type { Endpoint } from './wire-client';

export const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL || process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

export interface ClusterInstance {
  pid: number;
  endpoint: Endpoint;
}

export interface TandemCluster {
  instances: ClusterInstance[];
  /** Stops every instance (SIGTERM, then SIGKILL after 20 s) and drops the schema. */
  stop(): Promise<void>;
}

/** Starts `count` instances on a fresh schema; resolves once all accept connections. */
export async function startTandemCluster(count: number): Promise<TandemCluster> {
  const schema = `bench_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const databaseUrl = new URL(BENCH_DATABASE_URL);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  const started = await Promise.allSettled(
    Array.from({ length: count }, async (_, i) =>
      spawnServer({
        args: tandemScript('main'),
        port: await freePort(),
        // Bench limits log at warn, so "listening" is not printed: wait for the port instead.
        readyWhen: 'port-open',
        echoStderr: true,
        env: {
          DATABASE_URL: databaseUrl.toString(),
          REDIS_URL: BENCH_REDIS_URL,
          INSTANCE_ID: `${schema}-${i}`,
          ...BENCH_TANDEM_LIMITS,
        },
      }),
    ),
  );
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(servers.map((server) => server.kill()));
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    throw new Error(`a Tandem instance did not start (is PostgreSQL/Redis reachable?): ${(failure.reason as Error).message}`);
  }
  return {
    instances: servers.map((server) => ({
      pid: server.pid,
      endpoint: { dialect: 'y-websocket', origin: `ws://127.0.0.1:${server.port}`, roomPath: '/sync' },
    })),
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
