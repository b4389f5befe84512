/**
 * The PostgreSQL schema, versioned in `schema_migrations`: each migration runs once, in order,
 * in one transaction with its row, under an advisory lock so instances starting together
 * don't race.
 */
import type pg from 'pg';
import { BASELINE_VERSION_NAME } from './history-plan';

/** Milliseconds since the epoch at the migration's transaction start. */
const NOW_MS = '(extract(epoch FROM now()) * 1000)::bigint';

/** Each entry runs once, in order, in one transaction with its schema_migrations row. */
export const MIGRATIONS: { version: number; sql: string }[] = [
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
  {
    // History: who wrote each log entry and when; segments, checkpoints, versions, authorship.
    // Rooms stored before it start their history at their current state: the snapshot becomes
    // segment 1 with a version (ids: 16 hex digits). Log rows after it become segments at the
    // next compaction.
    version: 2,
    sql: `
      ALTER TABLE room_updates
        ADD COLUMN at BIGINT NOT NULL DEFAULT 0,
        ADD COLUMN authors TEXT NOT NULL DEFAULT '[]',
        ADD COLUMN attribution BYTEA;
      CREATE TABLE room_history_segments (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        first_id BIGINT NOT NULL,
        last_id BIGINT NOT NULL,
        started_at BIGINT NOT NULL,
        ended_at BIGINT NOT NULL,
        data BYTEA NOT NULL,
        attribution BYTEA,
        authors TEXT NOT NULL,
        inserted INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        PRIMARY KEY (room, seq)
      );
      CREATE TABLE room_history_checkpoints (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (room, seq)
      );
      CREATE TABLE room_versions (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('auto', 'named', 'pre-restore', 'restore')),
        name TEXT,
        created_at BIGINT NOT NULL,
        authors TEXT NOT NULL,
        inserted INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        restored_from TEXT
      );
      CREATE INDEX room_versions_by_seq ON room_versions (room, seq);
      CREATE INDEX room_versions_by_time ON room_versions (room, created_at);
      CREATE TABLE room_clients (
        room TEXT NOT NULL,
        client_id BIGINT NOT NULL,
        author_id TEXT NOT NULL,
        PRIMARY KEY (room, client_id)
      );
      CREATE TABLE room_authors (
        room TEXT NOT NULL,
        author_id TEXT NOT NULL,
        name TEXT NOT NULL,
        color TEXT NOT NULL,
        PRIMARY KEY (room, author_id)
      );
      CREATE TABLE room_settings (
        room TEXT PRIMARY KEY,
        history_visible_to_viewers BOOLEAN NOT NULL
      );
      INSERT INTO room_history_segments
        (room, seq, first_id, last_id, started_at, ended_at, data, attribution, authors, inserted, deleted)
        SELECT room, 1, through_id, through_id, ${NOW_MS}, ${NOW_MS}, data, NULL, '[]', 0, 0 FROM room_snapshots;
      INSERT INTO room_versions (id, room, seq, kind, name, created_at, authors, inserted, deleted, restored_from)
        SELECT substr(md5(random()::text || room), 1, 16), room, 1, 'auto', '${BASELINE_VERSION_NAME.replace(/'/g, "''")}',
          ${NOW_MS}, '[]', 0, 0, NULL
        FROM room_snapshots;`,
  },
  {
    // Restored text keeps its authors: clock ranges of a restore's client id that are another author's.
    version: 3,
    sql: `
      CREATE TABLE room_attribution_overrides (
        room TEXT NOT NULL,
        client_id BIGINT NOT NULL,
        clock BIGINT NOT NULL,
        length BIGINT NOT NULL,
        author_id TEXT NOT NULL,
        PRIMARY KEY (room, client_id, clock)
      );`,
  },
  {
    // Comment links: a room's second capability id, for people who may comment but not edit.
    version: 4,
    sql: `
      CREATE TABLE room_comment_links (
        room TEXT PRIMARY KEY,
        comment_id TEXT NOT NULL UNIQUE
      );`,
  },
  {
    // Comments: whether view links see a room's threads (the threads live in `<room>#comments` log rows).
    version: 5,
    sql: `ALTER TABLE room_settings ADD COLUMN comments_visible_to_viewers BOOLEAN NOT NULL DEFAULT false;`,
  },
  {
    // Deleted rooms: the ids they leave refused (a room's own, its view and comment ids).
    version: 6,
    sql: `
      CREATE TABLE room_tombstones (
        kind TEXT NOT NULL CHECK (kind IN ('room', 'view', 'comment')),
        id TEXT NOT NULL,
        deleted_at BIGINT NOT NULL,
        PRIMARY KEY (kind, id)
      );`,
  },
  {
    // Uploaded images, one row per (room, content hash), served by a random id.
    version: 7,
    sql: `
      CREATE TABLE room_images (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        content_type TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        data BYTEA NOT NULL,
        UNIQUE (room, sha256)
      );`,
  },
];

/** First key of Tandem's two-key advisory locks (the second names the schema or room). */
export const MIGRATION_LOCK_CLASS = 0x74616e64; // "tand"

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`;
const LOCK_MIGRATIONS = 'SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))';
const SELECT_MIGRATIONS = 'SELECT version FROM schema_migrations';
const INSERT_MIGRATION = 'INSERT INTO schema_migrations (version) VALUES ($1)';

/** Brings the schema up to the newest migration; safe to run from many instances at once. */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
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
