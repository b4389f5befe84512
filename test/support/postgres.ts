/**
 * A throwaway PostgreSQL schema per test file (or per test) on TEST_DATABASE_URL: Vitest runs
 * files in parallel and CI shares one database, so each gets its own `search_path` and drops
 * it afterwards. Tests skip, saying so, when TEST_DATABASE_URL is unset.
 */
import pg from 'pg';

/** The database the Postgres tests use, or undefined (they are skipped). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** The message a skipped suite prints. */
export const POSTGRES_SKIP_REASON = 'skipped: TEST_DATABASE_URL not set';

export interface TestSchema {
  name: string;
  /** TEST_DATABASE_URL with this schema as its search_path: a DATABASE_URL for Tandem. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** `url` with `search_path` set to `schema` for every connection made from it. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/** Creates an empty schema with a unique name starting with `label`. */
export async function createTestSchema(label: string): Promise<TestSchema> {
  if (!TEST_DATABASE_URL) throw new Error(POSTGRES_SKIP_REASON);
  const name = `t_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE SCHEMA ${name}`);
  return {
    name,
    url: withSearchPath(TEST_DATABASE_URL, name),
    drop: async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
}

/** Runs one statement on TEST_DATABASE_URL with a short-lived client. */
export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
