/** SQLite storage (the embedded default): one file, WAL mode, fsync on every commit. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createGroupCommit } from './group-commit';
import { PROBE_ROOM, type CompactionResult, type DocumentStorage, type FoldUpdates, type StoredDocument } from './types';

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
const INSERT_UPDATE = 'INSERT INTO room_updates (room, data) VALUES (?, ?)';
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
const DELETE_ROOM_LOG = 'DELETE FROM room_updates WHERE room = ?';
const SELECT_ROOM_HELD =
  'SELECT EXISTS (SELECT 1 FROM room_snapshots WHERE room = ?) OR EXISTS (SELECT 1 FROM room_updates WHERE room = ?) AS held';

interface SnapshotRow { data: Buffer; throughId: number }
interface LogRow { id: number; data: Buffer }
interface PendingAppend { room: string; update: Uint8Array }

export interface SqliteOptions {
  /** `full` (default): fsync every commit; `normal`: WAL without it (crash- but not power-safe). */
  synchronous?: 'full' | 'normal';
}

/** Opens (creating if needed) the SQLite database at `file`. */
export function openSqliteStorage(file: string, { synchronous = 'full' }: SqliteOptions = {}): DocumentStorage {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before append() resolves, so "saved" survives power loss too.
  // NORMAL (opt-in): it is in the WAL file, which any process crash, kill -9 included, keeps.
  db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const selectSnapshot = db.prepare<[string], SnapshotRow>(SELECT_SNAPSHOT);
  const selectLog = db.prepare<[string, number], LogRow>(SELECT_LOG);
  const insertUpdate = db.prepare(INSERT_UPDATE);
  const upsertSnapshot = db.prepare(UPSERT_SNAPSHOT);
  const deleteLogThrough = db.prepare(DELETE_LOG_THROUGH);
  const insertViewIfAbsent = db.prepare(INSERT_VIEW_IF_ABSENT);
  const upsertView = db.prepare(UPSERT_VIEW);
  const selectViewByRoom = db.prepare<[string], { viewId: string }>(SELECT_VIEW_BY_ROOM);
  const selectRoomByView = db.prepare<[string], { room: string }>(SELECT_ROOM_BY_VIEW);
  const deleteRoomLog = db.prepare(DELETE_ROOM_LOG);
  const selectRoomHeld = db.prepare<[string, string], { held: number }>(SELECT_ROOM_HELD);
  // Committing a row and its removal writes pages to the WAL: fails as appends do on a full
  // or read-only disk, which a read (ping) never notices.
  const probeWrite = db.transaction(() => {
    insertUpdate.run(PROBE_ROOM, Buffer.alloc(1));
    deleteRoomLog.run(PROBE_ROOM);
  });
  const directory = file === ':memory:' ? null : path.dirname(path.resolve(file));
  // Identify the file we opened: if it is deleted or replaced underneath us, writes would go
  // to a file nobody will ever read again, so readiness must fail.
  const openedInode = file === ':memory:' ? null : fs.statSync(file).ino;

  const loadRoom = db.transaction((room: string): StoredDocument => {
    const snapshot = selectSnapshot.get(room);
    const throughId = snapshot?.throughId ?? 0;
    const log = selectLog.all(room, throughId);
    const updates = log.map((row) => new Uint8Array(row.data));
    if (snapshot) updates.unshift(new Uint8Array(snapshot.data));
    const head = log.length > 0 ? log[log.length - 1].id : throughId;
    return { updates, head, logLength: log.length };
  });

  // The fold may run on a worker thread (seconds for a large room), so compaction reads in one
  // transaction and writes in another. Appends meanwhile get ids above the folded ones and are
  // kept; the write checks that no other compaction of the room committed in between.
  const readForCompaction = db.transaction((room: string) => {
    const snapshot = selectSnapshot.get(room);
    const log = selectLog.all(room, snapshot?.throughId ?? 0);
    return { snapshot, log };
  });
  const writeCompaction = db.transaction((room: string, data: Uint8Array, readThroughId: number, throughId: number): boolean => {
    if ((selectSnapshot.get(room)?.throughId ?? 0) !== readThroughId) return false;
    upsertSnapshot.run({ room, data, throughId });
    deleteLogThrough.run(room, throughId);
    return true;
  });
  const compactRoom = async (room: string, fold: FoldUpdates): Promise<CompactionResult | null> => {
    const { snapshot, log } = readForCompaction(room);
    if (log.length === 0) return null;
    const stored = log.map((row) => new Uint8Array(row.data));
    if (snapshot) stored.unshift(new Uint8Array(snapshot.data));
    const data = await fold(stored);
    const throughId = log[log.length - 1].id;
    if (closed) throw new Error('storage is closed');
    if (!writeCompaction(room, data, snapshot?.throughId ?? 0, throughId)) return null;
    return {
      folded: log.length,
      foldedBytes: log.reduce((sum, row) => sum + row.data.byteLength, 0),
      snapshotBytes: data.byteLength,
      waitedForLock: false,
    };
  };

  // Group commit (group-commit.ts): the appends of one synchronous run, from any room, go into
  // one transaction, so a busy server pays one fsync per turn rather than one per active room.
  const insertAll = db.transaction((items: PendingAppend[]) =>
    items.map((item) => Number(insertUpdate.run(item.room, item.update).lastInsertRowid)),
  );
  const appends = createGroupCommit((items: PendingAppend[]) => insertAll(items));

  let closed = false;
  return {
    kind: 'sqlite',
    async load(room) {
      return loadRoom(room);
    },
    async holdsRoom(room) {
      return selectRoomHeld.get(room, room)?.held === 1;
    },
    append(room, update) {
      if (closed) return Promise.reject(new Error('storage is closed'));
      return appends.submit({ room, update });
    },
    compact(room, fold) {
      return compactRoom(room, fold);
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
      if (openedInode !== null && fs.statSync(file, { throwIfNoEntry: false })?.ino !== openedInode) {
        throw new Error(`database file ${file} was removed or replaced`);
      }
      db.prepare('SELECT 1 FROM room_updates LIMIT 1').get();
    },
    async probeWrite() {
      if (closed) throw new Error('storage is closed');
      probeWrite();
    },
    async usedBytes() {
      // Pages in use; pages freed by compaction are reused before the file grows again.
      const pages = Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
      return pages * Number(db.pragma('page_size', { simple: true }));
    },
    async freeDiskBytes() {
      if (!directory) return null;
      const stats = await fs.promises.statfs(directory);
      return stats.bavail * stats.bsize;
    },
    async close() {
      if (closed) return;
      closed = true;
      await appends.flush();
      db.close();
    },
  };
}
