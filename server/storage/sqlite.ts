/**
 * SQLite storage (the embedded default): one file, WAL mode, fsync on every commit. Appends
 * are committed on a worker thread (sqlite-appender.ts); reads, compaction and view ids use
 * this thread's connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAppender } from './sqlite-appender';
import type { CompactionResult, DocumentStorage, FoldUpdates, StoredDocument } from './types';

const SCHEMA = `
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
  );
`;
const SELECT_SNAPSHOT = 'SELECT data, through_id AS throughId FROM room_snapshots WHERE room = ?';
const SELECT_LOG = 'SELECT id, data FROM room_updates WHERE room = ? AND id > ? ORDER BY id';
const UPSERT_SNAPSHOT = `
  INSERT INTO room_snapshots (room, data, through_id) VALUES (@room, @data, @throughId)
  ON CONFLICT (room) DO UPDATE SET data = excluded.data, through_id = excluded.through_id`;
const DELETE_LOG_THROUGH = 'DELETE FROM room_updates WHERE room = ? AND id <= ?';
const INSERT_VIEW_IF_ABSENT = 'INSERT INTO room_views (room, view_id) VALUES (?, ?) ON CONFLICT (room) DO NOTHING';
const UPSERT_VIEW = `
  INSERT INTO room_views (room, view_id) VALUES (?, ?)
  ON CONFLICT (room) DO UPDATE SET view_id = excluded.view_id`;
const SELECT_VIEW_BY_ROOM = 'SELECT view_id AS viewId FROM room_views WHERE room = ?';
const SELECT_ROOM_BY_VIEW = 'SELECT room FROM room_views WHERE view_id = ?';

interface SnapshotRow { data: Buffer; throughId: number }
interface LogRow { id: number; data: Buffer }

export interface SqliteOptions {
  /** `full` (default): fsync every commit; `normal`: WAL without it (crash- but not power-safe). */
  synchronous?: 'full' | 'normal';
}

/** Opens (creating if needed) the SQLite database at `file`. */
export function openSqliteStorage(file: string, { synchronous = 'full' }: SqliteOptions = {}): DocumentStorage {
  // Appends go through a second connection, which a private in-memory database cannot have.
  if (file === ':memory:') throw new Error('SQLite storage needs a file; use DATABASE_URL=memory: for a throwaway store');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before append() resolves, so "saved" survives power loss too.
  // NORMAL (opt-in): it is in the WAL file, which any process crash, kill -9 included, keeps.
  db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const selectSnapshot = db.prepare<[string], SnapshotRow>(SELECT_SNAPSHOT);
  const selectLog = db.prepare<[string, number], LogRow>(SELECT_LOG);
  const upsertSnapshot = db.prepare(UPSERT_SNAPSHOT);
  const deleteLogThrough = db.prepare(DELETE_LOG_THROUGH);
  const insertViewIfAbsent = db.prepare(INSERT_VIEW_IF_ABSENT);
  const upsertView = db.prepare(UPSERT_VIEW);
  const selectViewByRoom = db.prepare<[string], { viewId: string }>(SELECT_VIEW_BY_ROOM);
  const selectRoomByView = db.prepare<[string], { room: string }>(SELECT_ROOM_BY_VIEW);
  // Identify the file we opened: if it is deleted or replaced underneath us, writes would go
  // to a file nobody will ever read again, so readiness must fail.
  const openedInode = fs.statSync(file).ino;

  const loadRoom = db.transaction((room: string): StoredDocument => {
    const snapshot = selectSnapshot.get(room);
    const throughId = snapshot?.throughId ?? 0;
    const log = selectLog.all(room, throughId);
    const updates = log.map((row) => new Uint8Array(row.data));
    if (snapshot) updates.unshift(new Uint8Array(snapshot.data));
    const head = log.length > 0 ? log[log.length - 1].id : throughId;
    return { updates, head, logLength: log.length };
  });

  // One process owns the file; the append worker writes through its own connection, so a
  // compaction takes the write lock up front (BEGIN IMMEDIATE, see below) and folds exactly the
  // rows committed before it. Rows appended meanwhile have higher ids and stay in the log.
  const compactRoom = db.transaction((room: string, fold: FoldUpdates): CompactionResult | null => {
    const snapshot = selectSnapshot.get(room);
    const log = selectLog.all(room, snapshot?.throughId ?? 0);
    if (log.length === 0) return null;
    const stored = log.map((row) => new Uint8Array(row.data));
    if (snapshot) stored.unshift(new Uint8Array(snapshot.data));
    const data = fold(stored);
    const throughId = log[log.length - 1].id;
    upsertSnapshot.run({ room, data, throughId });
    deleteLogThrough.run(room, throughId);
    return {
      folded: log.length,
      foldedBytes: log.reduce((sum, row) => sum + row.data.byteLength, 0),
      snapshotBytes: data.byteLength,
      waitedForLock: false,
    };
  });

  const appender = new SqliteAppender(file, synchronous);

  let closed = false;
  return {
    kind: 'sqlite',
    async load(room) {
      return loadRoom(room);
    },
    append(room, update) {
      if (closed) return Promise.reject(new Error('storage is closed'));
      return appender.append(room, update);
    },
    async compact(room, fold) {
      return compactRoom.immediate(room, fold);
    },
    async ensureViewId(room, candidate) {
      insertViewIfAbsent.run(room, candidate);
      return selectViewByRoom.get(room)!.viewId;
    },
    async replaceViewId(room, next) {
      upsertView.run(room, next);
    },
    async roomForViewId(viewId) {
      return selectRoomByView.get(viewId)?.room ?? null;
    },
    async ping() {
      if (fs.statSync(file, { throwIfNoEntry: false })?.ino !== openedInode) {
        throw new Error(`database file ${file} was removed or replaced`);
      }
      db.prepare('SELECT 1 FROM room_updates LIMIT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      await appender.close();
      db.close();
    },
  };
}
