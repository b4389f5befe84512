/**
 * The SQLite schema, versioned by `PRAGMA user_version`: each migration runs once, in one
 * immediate transaction together with the version bump, so a crash mid-migration leaves the
 * previous version, and two processes opening one file never migrate it twice. Files made
 * before versioning have user_version 0 and today's version-1 tables, which migration 1
 * creates only if absent.
 */
import type Database from 'better-sqlite3';
import { BASELINE_VERSION_NAME } from './history-plan';

const VERSION_1 = `
      CREATE TABLE IF NOT EXISTS room_updates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        room TEXT NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS room_updates_by_room ON room_updates (room, id);
      CREATE TABLE IF NOT EXISTS room_snapshots (
        room TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        through_id INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS room_views (
        room TEXT PRIMARY KEY,
        view_id TEXT NOT NULL UNIQUE
      );`;

/** History: who wrote each log entry and when; segments, checkpoints, versions, authorship. */
const VERSION_2 = `
      ALTER TABLE room_updates ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE room_updates ADD COLUMN authors TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE room_updates ADD COLUMN attribution BLOB;
      CREATE TABLE room_history_segments (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        first_id INTEGER NOT NULL,
        last_id INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        data BLOB NOT NULL,
        attribution BLOB,
        authors TEXT NOT NULL,
        inserted INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        PRIMARY KEY (room, seq)
      );
      CREATE TABLE room_history_checkpoints (
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (room, seq)
      );
      CREATE TABLE room_versions (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('auto', 'named', 'pre-restore', 'restore')),
        name TEXT,
        created_at INTEGER NOT NULL,
        authors TEXT NOT NULL,
        inserted INTEGER NOT NULL,
        deleted INTEGER NOT NULL,
        restored_from TEXT
      );
      CREATE INDEX room_versions_by_seq ON room_versions (room, seq);
      CREATE INDEX room_versions_by_time ON room_versions (room, created_at);
      CREATE TABLE room_clients (
        room TEXT NOT NULL,
        client_id INTEGER NOT NULL,
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
        history_visible_to_viewers INTEGER NOT NULL
      );`;
/** Restored text keeps its authors: clock ranges of a restore's client id that are another author's. */
const VERSION_3 = `
      CREATE TABLE room_attribution_overrides (
        room TEXT NOT NULL,
        client_id INTEGER NOT NULL,
        clock INTEGER NOT NULL,
        length INTEGER NOT NULL,
        author_id TEXT NOT NULL,
        PRIMARY KEY (room, client_id, clock)
      );`;
/** Comment links: a room's second capability id, for people who may comment but not edit. */
const VERSION_4 = `
      CREATE TABLE room_comment_links (
        room TEXT PRIMARY KEY,
        comment_id TEXT NOT NULL UNIQUE
      );`;
// Rooms stored before history start it at their current state: the snapshot becomes segment 1
// with a version (ids: 16 hex digits). Log rows after it become segments at the next compaction.
const COPY_BASELINE_SEGMENTS = `
  INSERT INTO room_history_segments
    (room, seq, first_id, last_id, started_at, ended_at, data, attribution, authors, inserted, deleted)
  SELECT room, 1, through_id, through_id, @now, @now, data, NULL, '[]', 0, 0 FROM room_snapshots`;
const ADD_BASELINE_VERSIONS = `
  INSERT INTO room_versions (id, room, seq, kind, name, created_at, authors, inserted, deleted, restored_from)
  SELECT lower(hex(randomblob(8))), room, 1, 'auto', @name, @now, '[]', 0, 0, NULL FROM room_snapshots`;

/** Comments: whether view links see a room's threads (the threads live in `<room>#comments` log rows). */
const VERSION_5 = `
      ALTER TABLE room_settings ADD COLUMN comments_visible_to_viewers INTEGER NOT NULL DEFAULT 0;`;

/** Deleted rooms: the ids they leave refused (a room's own, its view and comment ids). */
const VERSION_6 = `
      CREATE TABLE room_tombstones (
        kind TEXT NOT NULL CHECK (kind IN ('room', 'view', 'comment')),
        id TEXT NOT NULL,
        deleted_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      );`;

/** Uploaded images, one row per (room, content hash), served by a random id. */
const VERSION_7 = `
      CREATE TABLE room_images (
        id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        content_type TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (room, sha256)
      );`;

const MIGRATIONS: { version: number; apply: (db: Database.Database) => void }[] = [
  { version: 1, apply: (db) => db.exec(VERSION_1) },
  {
    version: 2,
    apply: (db) => {
      db.exec(VERSION_2);
      const now = Date.now();
      db.prepare(COPY_BASELINE_SEGMENTS).run({ now });
      db.prepare(ADD_BASELINE_VERSIONS).run({ now, name: BASELINE_VERSION_NAME });
    },
  },
  { version: 3, apply: (db) => db.exec(VERSION_3) },
  { version: 4, apply: (db) => db.exec(VERSION_4) },
  { version: 5, apply: (db) => db.exec(VERSION_5) },
  { version: 6, apply: (db) => db.exec(VERSION_6) },
  { version: 7, apply: (db) => db.exec(VERSION_7) },
];

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Brings the file's schema up to SQLITE_SCHEMA_VERSION; throws if the file is newer than this code. */
export function migrateSqlite(db: Database.Database): void {
  const version = () => Number(db.pragma('user_version', { simple: true }));
  if (version() > SQLITE_SCHEMA_VERSION) {
    throw new Error(`the database has schema version ${version()}, newer than this Tandem's ${SQLITE_SCHEMA_VERSION}: upgrade Tandem`);
  }
  if (version() === SQLITE_SCHEMA_VERSION) return;
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      // Read inside the write lock: another process may have migrated since we looked.
      if (version() >= migration.version) return;
      migration.apply(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
