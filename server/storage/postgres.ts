/**
 * PostgreSQL storage (`DATABASE_URL=postgres://…`), for several server instances sharing one
 * database. Same contract as SQLite: BYTEA rows, a BIGSERIAL log per room plus one snapshot.
 * The schema is migrated at start (postgres-migrations.ts); compactions of one room are
 * serialized across instances by a transaction-scoped advisory lock, which a crashed holder's
 * ended session frees, and write the history of the rows they fold (postgres-history.ts) in
 * the transaction that deletes them. Appends are pipelined (flush-pipeline.ts): committed with
 * `synchronous_commit = off`, then confirmed flushed by one synchronous commit; every other
 * write commits synchronously.
 */
import pg from 'pg';
import { AuthorRowCache } from './author-rows';
import { appendFlushed, createFlushPipeline, stagedAppend, type CommittedAppend } from './flush-pipeline';
import { createGroupCommit } from './group-commit';
import { foldAndPlan, planOneSegment, planWithoutEntries } from './history-plan';
import { createPostgresCatalog } from './postgres-catalog';
import { createPostgresImages } from './postgres-images';
import { COMPACTION_LOCK_CLASS, createPostgresHistory, loadBindings, readHistoryTail, writeHistoryPlan } from './postgres-history';
import { migratePostgres } from './postgres-migrations';
import {
  PROBE_ROOM,
  type AppendMeta,
  type AuthorRecord,
  type CompactionResult,
  type DocumentStorage,
  type LogEntry,
  type StoredDocument,
} from './types';

export { COMPACTION_LOCK_CLASS };

// One statement sees one snapshot of the database, so a compaction committing meanwhile can
// never make a load miss entries (old snapshot + the log after deletion).
const SELECT_ROOM = `
  SELECT 0 AS part, through_id AS id, data FROM room_snapshots WHERE room = $1
  UNION ALL
  SELECT 1 AS part, id, data FROM room_updates WHERE room = $1
  ORDER BY part, id`;
// The same with what the history planner reads of each log entry.
const SELECT_ROOM_ENTRIES = `
  SELECT 0 AS part, through_id AS id, data, 0::bigint AS at, '[]' AS authors, NULL::bytea AS attribution
  FROM room_snapshots WHERE room = $1
  UNION ALL
  SELECT 1 AS part, id, data, at, authors, attribution FROM room_updates WHERE room = $1
  ORDER BY part, id`;
// Appends' bindings and renamed authors, one array parameter per column (named by the caller:
// they share a statement with the log rows).
const insertBindings = (rooms: string, clients: string, authors: string) => `
  INSERT INTO room_clients (room, client_id, author_id)
  SELECT * FROM unnest(${rooms}::text[], ${clients}::bigint[], ${authors}::text[]) ON CONFLICT (room, client_id) DO NOTHING`;
const upsertAuthors = (rooms: string, ids: string, names: string, colors: string) => `
  INSERT INTO room_authors (room, author_id, name, color)
  SELECT * FROM unnest(${rooms}::text[], ${ids}::text[], ${names}::text[], ${colors}::text[])
  ON CONFLICT (room, author_id) DO UPDATE SET name = excluded.name, color = excluded.color`;
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
const INSERT_COMMENT_LINK_IF_ABSENT = 'INSERT INTO room_comment_links (room, comment_id) VALUES ($1, $2) ON CONFLICT (room) DO NOTHING';
const SELECT_COMMENT_LINK_BY_ROOM = 'SELECT comment_id FROM room_comment_links WHERE room = $1';
const UPSERT_COMMENT_LINK = `
  INSERT INTO room_comment_links (room, comment_id) VALUES ($1, $2)
  ON CONFLICT (room) DO UPDATE SET comment_id = excluded.comment_id`;
const SELECT_ROOM_BY_COMMENT_LINK = 'SELECT room FROM room_comment_links WHERE comment_id = $1';
const SELECT_ROOM_HELD =
  'SELECT EXISTS (SELECT 1 FROM room_snapshots WHERE room = $1) OR EXISTS (SELECT 1 FROM room_updates WHERE room = $1) AS held';
// Appends commit asynchronously (flush pipelining): this transaction's commit returns once its
// WAL record is inserted, without waiting for the WAL flush; a crash of Tandem's process keeps
// it (PostgreSQL's WAL writer flushes it within wal_writer_delay), and FLUSH_WAL confirms it.
const COMMIT_WITHOUT_FLUSH = "SELECT set_config('synchronous_commit', 'off', true)";
// A synchronous commit of a transaction that has an xid flushes the WAL through its own commit
// record, so every asynchronous commit that returned before it was sent is on disk once it
// returns. It costs one xid per flush (each append commit takes one too). Polling
// pg_current_wal_flush_lsn() instead waits for the WAL writer: 160 ms at p50, measured.
const FLUSH_WAL = 'SELECT txid_current()';
const INSERT_PROBE = 'INSERT INTO room_updates (room, data) VALUES ($1, $2)';
/** The authors column of an entry that names none. */
const NO_AUTHORS = '[]';
const DELETE_PROBE = 'DELETE FROM room_updates WHERE room = $1';
// Heap, TOAST and indexes of the live documents' tables in this schema: what MAX_STORAGE_BYTES
// limits. History (segments, checkpoints, versions) only grows, and deleting text must free
// room under the quota, so it is left out.
const SELECT_USED_BYTES = `
  SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind = 'r'
    AND c.relname IN ('room_updates', 'room_snapshots', 'room_views', 'room_comment_links', 'room_clients', 'room_authors', 'room_attribution_overrides', 'room_settings', 'room_tombstones', 'schema_migrations')`;

interface RoomRow { part: number; id: string; data: Buffer }
interface RoomEntryRow extends RoomRow { at: string; authors: string; attribution: Buffer | null }
interface PendingAppend { room: string; update: Uint8Array; meta?: AppendMeta }

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

const bytea = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

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
    await migratePostgres(pool);
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
  // APPEND_ROWS_PER_COMMIT rows (5 bind parameters a row, far under PostgreSQL's 65,535).
  // Bindings and renamed authors ride in the same statement (data-modifying WITH clauses),
  // so they commit with their rows.
  const flushes = createFlushPipeline(async () => {
    await pool.query(FLUSH_WAL);
  });
  const authorRows = new AuthorRowCache();
  const appends = createGroupCommit(async (items: PendingAppend[]): Promise<CommittedAppend[]> => {
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const values = items
      .map((item) => {
        const authors = item.meta && item.meta.authors.length > 0 ? JSON.stringify(item.meta.authors) : NO_AUTHORS;
        const attribution = item.meta?.attribution ? bytea(item.meta.attribution) : null;
        return `(${bind(item.room)}, ${bind(bytea(item.update))}, ${bind(item.meta?.at ?? Date.now())}, ${bind(authors)}, ${bind(attribution)})`;
      })
      .join(', ');
    const clauses = [`unflushed AS (${COMMIT_WITHOUT_FLUSH})`, `stored AS (INSERT INTO room_updates (room, data, at, authors, attribution) VALUES ${values} RETURNING id)`];
    const meta = authorRows.rowsFor(items);
    if (meta.bindings.length > 0) {
      const sql = insertBindings(
        bind(meta.bindings.map((row) => row.room)),
        bind(meta.bindings.map((row) => row.binding.clientId)),
        bind(meta.bindings.map((row) => row.binding.authorId)),
      );
      clauses.push(`bound AS (${sql})`);
    }
    if (meta.authors.length > 0) {
      const sql = upsertAuthors(
        bind(meta.authors.map((row) => row.room)),
        bind(meta.authors.map((row) => row.author.id)),
        bind(meta.authors.map((row) => row.author.name)),
        bind(meta.authors.map((row) => row.author.color)),
      );
      clauses.push(`named AS (${sql})`);
    }
    // Postgres assigns the serial ids in VALUES order, so ascending ids are the items' order.
    // pool.query destroys a client whose query failed or timed out, so the room's retry runs
    // on a fresh connection. A timed-out INSERT may still have committed: the retry then
    // stores the update twice, which is harmless, as applying a Yjs update again changes
    // nothing (loads and folds merge the duplicate away).
    // (Joined with `unflushed` so that it is evaluated: this statement is its transaction.)
    const result = await pool.query<{ id: string }>(`WITH ${clauses.join(', ')} SELECT id FROM stored, unflushed ORDER BY id`, params);
    meta.committed();
    const flushed = flushes.afterWrite();
    return result.rows.map((row) => ({ id: Number(row.id), flushed }));
  }, { maxInFlight: APPEND_COMMITS_IN_FLIGHT, maxItems: APPEND_ROWS_PER_COMMIT });
  const history = createPostgresHistory(pool);
  const catalog = createPostgresCatalog({ pool, transaction });
  const images = createPostgresImages({ pool, transaction });

  let closed = false;
  const appendInStages = (room: string, update: Uint8Array, meta?: AppendMeta) => {
    if (closed) return stagedAppend(Promise.reject(new Error('storage is closed')));
    // Copies: the caller's buffers may change before the commit reads them (it may wait
    // for a commit slot).
    const stored = meta && { ...meta, attribution: meta.attribution?.slice() ?? null, authors: [...meta.authors], bindings: [...meta.bindings] };
    return stagedAppend(appends.submit({ room, update: update.slice(), meta: stored }));
  };
  return {
    kind: 'postgres',
    async load(room): Promise<StoredDocument> {
      const [{ rows }, bindings] = await Promise.all([pool.query<RoomRow>(SELECT_ROOM, [room]), loadBindings(pool, room)]);
      const updates = rows.map((row) => new Uint8Array(row.data));
      const logLength = rows.filter((row) => row.part === 1).length;
      const head = rows.reduce((max, row) => Math.max(max, Number(row.id)), 0);
      return { updates, head, logLength, bindings };
    },
    async holdsRoom(room) {
      const { rows } = await pool.query<{ held: boolean }>(SELECT_ROOM_HELD, [room]);
      return rows[0]?.held === true;
    },
    append(room, update, meta) {
      return appendFlushed(appendInStages(room, update, meta));
    },
    appendInStages,
    compact(room, fold, planHistory): Promise<CompactionResult | null> {
      return transaction(async (client) => {
        // Held until COMMIT/ROLLBACK; if this process dies, its session ends and frees it.
        const { rows: tried } = await client.query<{ locked: boolean }>(TRY_LOCK_ROOM, [COMPACTION_LOCK_CLASS, room]);
        const waitedForLock = !tried[0].locked;
        if (waitedForLock) {
          options.onCompactionLockWait?.(room);
          await client.query(LOCK_ROOM, [COMPACTION_LOCK_CLASS, room]);
        }
        const { rows } = await client.query<RoomEntryRow>(SELECT_ROOM_ENTRIES, [room]);
        const log = rows.filter((row) => row.part === 1);
        if (log.length === 0 && !planHistory) return null;
        // Under the lock no other compaction of the room commits, so the tail stays current.
        const tail = await readHistoryTail(client, room);
        if (log.length === 0 && planHistory) {
          const plan = await planWithoutEntries(planHistory, tail);
          if (plan.versions.length === 0) return null;
          await writeHistoryPlan(client, room, plan, tail.lastSeq, null);
          return { folded: 0, foldedBytes: 0, snapshotBytes: rows[0]?.data.byteLength ?? 0, waitedForLock, versions: plan.versions };
        }
        const entries: LogEntry[] = log.map((row) => ({
          id: Number(row.id),
          data: new Uint8Array(row.data),
          at: Number(row.at),
          authors: JSON.parse(row.authors) as AuthorRecord[],
          attribution: row.attribution ? new Uint8Array(row.attribution) : null,
        }));
        const stored = rows.map((row) => new Uint8Array(row.data));
        const { data, plan } = await foldAndPlan(fold, stored, planHistory ?? planOneSegment, entries, tail);
        const ids = log.map((row) => row.id);
        await client.query(UPSERT_SNAPSHOT, [room, bytea(data), ids[ids.length - 1]]);
        // History first: a row leaves the log only in the commit that puts it in a segment.
        await writeHistoryPlan(client, room, plan, tail.lastSeq, data);
        await client.query(DELETE_FOLDED, [room, ids]);
        return {
          folded: log.length,
          foldedBytes: log.reduce((sum, row) => sum + row.data.byteLength, 0),
          snapshotBytes: data.byteLength,
          waitedForLock,
          versions: plan.versions,
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
    async ensureCommentId(room, candidate) {
      await pool.query(INSERT_COMMENT_LINK_IF_ABSENT, [room, candidate]);
      const { rows } = await pool.query<{ comment_id: string }>(SELECT_COMMENT_LINK_BY_ROOM, [room]);
      return rows[0].comment_id;
    },
    async replaceCommentId(room, next) {
      await pool.query(UPSERT_COMMENT_LINK, [room, next]);
    },
    async roomForCommentId(commentId) {
      const { rows } = await pool.query<{ room: string }>(SELECT_ROOM_BY_COMMENT_LINK, [commentId]);
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
    ...history,
    ...catalog,
    ...images,
    async close() {
      if (closed) return;
      closed = true;
      await appends.flush();
      await flushes.idle();
      // Ending a connection whose peer went silent waits for a goodbye that never comes.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pool.end(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
