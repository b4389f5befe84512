/**
 * PostgreSQL storage (`DATABASE_URL=postgres://…`), for several server instances sharing one
 * database. Same contract as SQLite: BYTEA rows, a BIGSERIAL log per room plus one snapshot.
 * The schema is migrated at start (versioned, idempotent, under an advisory lock so instances
 * starting together don't race); compactions of one room are serialized across instances by
 * a transaction-scoped advisory lock, which a crashed holder's ended session frees.
 */
import pg from 'pg';
import { createGroupCommit } from './group-commit';
import { PROBE_ROOM, type CompactionResult, type DocumentStorage, type FoldUpdates, type StoredDocument } from './types';

/** Each entry runs once, in order, in one transaction with its schema_migrations row. */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE room_updates (
        id BIGSERIAL PRIMARY KEY,
        room TEXT NOT NULL,
        data BYTEA NOT NULL
      );
      CREATE INDEX room_updates_by_room ON room_updates (room, id);
      CREATE TABLE room_snapshots (
        room TEXT PRIMARY KEY,
        data BYTEA NOT NULL,
        through_id BIGINT NOT NULL
      );
      CREATE TABLE room_views (
        room TEXT PRIMARY KEY,
        view_id TEXT NOT NULL UNIQUE
      );`,
  },
];

/** First key of Tandem's two-key advisory locks (the second names the schema or room). */
const MIGRATION_LOCK_CLASS = 0x74616e64; // "tand"
/** Advisory lock class of room compactions: (this, hashtext(room)) locks one room. */
export const COMPACTION_LOCK_CLASS = 0x636d7074; // "cmpt"

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`;
const LOCK_MIGRATIONS = 'SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))';
const SELECT_MIGRATIONS = 'SELECT version FROM schema_migrations';
const INSERT_MIGRATION = 'INSERT INTO schema_migrations (version) VALUES ($1)';
// One statement sees one snapshot of the database, so a compaction committing meanwhile can
// never make a load miss entries (old snapshot + the log after deletion).
const SELECT_ROOM = `
  SELECT 0 AS part, through_id AS id, data FROM room_snapshots WHERE room = $1
  UNION ALL
  SELECT 1 AS part, id, data FROM room_updates WHERE room = $1
  ORDER BY part, id`;
const TRY_LOCK_ROOM = 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked';
const LOCK_ROOM = 'SELECT pg_advisory_xact_lock($1, hashtext($2))';
const UPSERT_SNAPSHOT = `
  INSERT INTO room_snapshots (room, data, through_id) VALUES ($1, $2, $3)
  ON CONFLICT (room) DO UPDATE SET data = excluded.data, through_id = excluded.through_id`;
// Exactly the rows folded: with several writers an id below the newest one may commit later,
// and must stay in the log rather than vanish under a "through id" cut.
const DELETE_FOLDED = 'DELETE FROM room_updates WHERE room = $1 AND id = ANY($2::bigint[])';
const INSERT_VIEW_IF_ABSENT = 'INSERT INTO room_views (room, view_id) VALUES ($1, $2) ON CONFLICT (room) DO NOTHING';
const SELECT_VIEW_BY_ROOM = 'SELECT view_id FROM room_views WHERE room = $1';
const UPSERT_VIEW = `
  INSERT INTO room_views (room, view_id) VALUES ($1, $2)
  ON CONFLICT (room) DO UPDATE SET view_id = excluded.view_id`;
const SELECT_ROOM_BY_VIEW = 'SELECT room FROM room_views WHERE view_id = $1';
const SELECT_ROOM_HELD =
  'SELECT EXISTS (SELECT 1 FROM room_snapshots WHERE room = $1) OR EXISTS (SELECT 1 FROM room_updates WHERE room = $1) AS held';
const INSERT_PROBE = 'INSERT INTO room_updates (room, data) VALUES ($1, $2)';
const DELETE_PROBE = 'DELETE FROM room_updates WHERE room = $1';
// Heap, TOAST and indexes of Tandem's tables in this schema: what MAX_STORAGE_BYTES limits.
const SELECT_USED_BYTES = `
  SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind = 'r'
    AND c.relname IN ('room_updates', 'room_snapshots', 'room_views', 'schema_migrations')`;

interface RoomRow { part: number; id: string; data: Buffer }
interface PendingAppend { room: string; update: Uint8Array }

export interface PostgresOptions {
  /** Called with errors of idle pooled connections (e.g. the server restarted), for the log. */
  onIdleError?: (error: Error) => void;
  /** Called when a compaction has to wait for another one of the same room (metrics, logs). */
  onCompactionLockWait?: (room: string) => void;
  /**
   * Longest a connection attempt or one statement may take (STORAGE_TIMEOUT_MS) before it
   * fails. Without it a peer that stops answering while something still ACKs the packets (a
   * hung pooler, a failover behind NAT) holds a query, and the room waiting on it, for ever.
   */
  timeoutMs?: number;
}

/** Pooled connections (loads, compactions and appends share them). */
const POOL_SIZE = 10;
/** Append commits that may run at once; the rest of the pool stays free for loads and compactions. */
const APPEND_COMMITS_IN_FLIGHT = 4;
/** Most rows in one append INSERT. */
const APPEND_ROWS_PER_COMMIT = 1_000;

/** Default of `timeoutMs`, as DEFAULT_CONFIG.storageTimeoutMs. */
const DEFAULT_TIMEOUT_MS = 5_000;

/** Connects, migrates the schema, and returns the storage. */
export async function openPostgresStorage(connectionString: string, options: PostgresOptions = {}): Promise<DocumentStorage> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString,
    max: POOL_SIZE,
    connectionTimeoutMillis: timeoutMs,
    // Client side: a query with no answer fails after this, and pg-pool then destroys its
    // client (release with the error) rather than reuse a connection in an unknown state.
    query_timeout: timeoutMs,
    // Server side: a statement stuck on a lock or a slow disk is cancelled, freeing the session.
    statement_timeout: timeoutMs,
    // A compaction folds in this process inside its transaction (seconds for a large room):
    // only a transaction abandoned far longer than that is ended, freeing its advisory lock.
    idle_in_transaction_session_timeout: Math.max(60_000, 10 * timeoutMs),
    // Keepalives find a peer that vanished without a FIN (no middlebox ACKing in its place).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }

  /** Runs `work` in a transaction on one pooled client. */
  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        // Gone, or still busy with a statement that timed out: released with the error below,
        // the client is destroyed rather than pooled, where the next query would wait behind it.
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  // Group commit (group-commit.ts): the appends of one synchronous run, from any room, go into
  // one multi-row INSERT (one round trip, one WAL flush) rather than one statement each. Up to
  // APPEND_COMMITS_IN_FLIGHT run at once (a slow one holds only its own rooms), each of at most
  // APPEND_ROWS_PER_COMMIT rows (3 bind parameters a row, far under PostgreSQL's 65,535).
  const appends = createGroupCommit(async (items: PendingAppend[]): Promise<number[]> => {
    const values = items.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
    const params = items.flatMap((item) => [item.room, Buffer.from(item.update.buffer, item.update.byteOffset, item.update.byteLength)]);
    // Postgres assigns the serial ids in VALUES order, and RETURNING lists rows in that order.
    // pool.query destroys a client whose query failed or timed out, so the room's retry runs
    // on a fresh connection. A timed-out INSERT may still have committed: the retry then
    // stores the update twice, which is harmless, as applying a Yjs update again changes
    // nothing (loads and folds merge the duplicate away).
    const result = await pool.query<{ id: string }>(`INSERT INTO room_updates (room, data) VALUES ${values} RETURNING id`, params);
    return result.rows.map((row) => Number(row.id));
  }, { maxInFlight: APPEND_COMMITS_IN_FLIGHT, maxItems: APPEND_ROWS_PER_COMMIT });

  let closed = false;
  return {
    kind: 'postgres',
    async load(room): Promise<StoredDocument> {
      const { rows } = await pool.query<RoomRow>(SELECT_ROOM, [room]);
      const updates = rows.map((row) => new Uint8Array(row.data));
      const logLength = rows.filter((row) => row.part === 1).length;
      const head = rows.reduce((max, row) => Math.max(max, Number(row.id)), 0);
      return { updates, head, logLength };
    },
    async holdsRoom(room) {
      const { rows } = await pool.query<{ held: boolean }>(SELECT_ROOM_HELD, [room]);
      return rows[0]?.held === true;
    },
    append(room, update) {
      if (closed) return Promise.reject(new Error('storage is closed'));
      // A copy: the caller's buffer may change before the commit reads it.
      return appends.submit({ room, update: update.slice() });
    },
    compact(room, fold: FoldUpdates): Promise<CompactionResult | null> {
      return transaction(async (client) => {
        // Held until COMMIT/ROLLBACK; if this process dies, its session ends and frees it.
        const { rows: tried } = await client.query<{ locked: boolean }>(TRY_LOCK_ROOM, [COMPACTION_LOCK_CLASS, room]);
        const waitedForLock = !tried[0].locked;
        if (waitedForLock) {
          options.onCompactionLockWait?.(room);
          await client.query(LOCK_ROOM, [COMPACTION_LOCK_CLASS, room]);
        }
        const { rows } = await client.query<RoomRow>(SELECT_ROOM, [room]);
        const log = rows.filter((row) => row.part === 1);
        if (log.length === 0) return null;
        const data = await fold(rows.map((row) => new Uint8Array(row.data)));
        const ids = log.map((row) => row.id);
        await client.query(UPSERT_SNAPSHOT, [room, Buffer.from(data.buffer, data.byteOffset, data.byteLength), ids[ids.length - 1]]);
        await client.query(DELETE_FOLDED, [room, ids]);
        return {
          folded: log.length,
          foldedBytes: log.reduce((sum, row) => sum + row.data.byteLength, 0),
          snapshotBytes: data.byteLength,
          waitedForLock,
        };
      });
    },
    async ensureViewId(room, candidate) {
      await pool.query(INSERT_VIEW_IF_ABSENT, [room, candidate]);
      const { rows } = await pool.query<{ view_id: string }>(SELECT_VIEW_BY_ROOM, [room]);
      return rows[0].view_id;
    },
    async replaceViewId(room, next) {
      await pool.query(UPSERT_VIEW, [room, next]);
    },
    async roomForViewId(viewId) {
      const { rows } = await pool.query<{ room: string }>(SELECT_ROOM_BY_VIEW, [viewId]);
      return rows[0]?.room ?? null;
    },
    async ping() {
      await pool.query('SELECT 1 FROM room_updates LIMIT 1');
    },
    async probeWrite() {
      await transaction(async (client) => {
        await client.query(INSERT_PROBE, [PROBE_ROOM, Buffer.alloc(1)]);
        await client.query(DELETE_PROBE, [PROBE_ROOM]);
      });
    },
    async usedBytes() {
      const { rows } = await pool.query<{ bytes: string }>(SELECT_USED_BYTES);
      return Number(rows[0].bytes);
    },
    async freeDiskBytes() {
      return null;
    },
    async close() {
      if (closed) return;
      closed = true;
      await appends.flush();
      // Ending a connection whose peer went silent waits for a goodbye that never comes.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pool.end(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

/** Brings the schema up to the newest migration; safe to run from many instances at once. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(LOCK_MIGRATIONS, [MIGRATION_LOCK_CLASS]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<{ version: number }>(SELECT_MIGRATIONS);
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(INSERT_MIGRATION, [migration.version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      // The connection is gone; the error below says why.
    });
    throw new Error(`PostgreSQL schema migration failed: ${(error as Error).message}`);
  } finally {
    client.release();
  }
}
