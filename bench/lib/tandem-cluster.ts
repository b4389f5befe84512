/**
 * Several Tandem instances for the multi-instance benchmark, each its own child process of
 * `server/main.ts` as a self-hoster runs them: one PostgreSQL schema (fresh per cluster,
 * dropped on stop) and one Redis shared by all. BENCH_DATABASE_URL / BENCH_REDIS_URL pick
 * them (else TEST_DATABASE_URL / TEST_REDIS_URL, else the local defaults).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../test/support/server-process';
import { BENCH_TANDEM_LIMITS, isListening } from './servers';
import type { Endpoint } from './wire-client';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
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
  const children = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'main.ts')], {
        cwd: ROOT,
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: databaseUrl.toString(),
          REDIS_URL: BENCH_REDIS_URL,
          INSTANCE_ID: `${schema}-${i}`,
          ...BENCH_TANDEM_LIMITS,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await waitForPort(port, () => child.exitCode !== null);
      return { child, port };
    }),
  );
  return {
    instances: children.map(({ child, port }) => ({
      pid: child.pid!,
      endpoint: { dialect: 'y-websocket', origin: `ws://127.0.0.1:${port}`, roomPath: '/sync' },
    })),
    async stop() {
      await Promise.all(
        children.map(({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
        ),
      );
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

async function waitForPort(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`Tandem instance on ${port} exited at start (is PostgreSQL/Redis reachable?)`);
    if (await isListening(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Tandem instance did not listen on ${port} within 30 s`);
}
