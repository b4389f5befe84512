/**
 * SQLite storage (the embedded default): one file, WAL mode. Appends are pipelined: committed
 * without an fsync (`synchronous = NORMAL`: written, they survive a crash of this process),
 * then flushed by an fdatasync of the WAL off the event loop (sqlite-wal-flush.ts); every
 * other write (links, history, compaction, settings) commits with `synchronous = FULL`. The schema
 * is versioned (sqlite-migrations.ts); history lives in sqlite-history.ts and is written by
 * compaction in the same transaction that deletes the log rows it folded.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuthorRowCache, type MetaRows } from './author-rows';
import { appendFlushed, createFlushPipeline, stagedAppend, type CommittedAppend } from './flush-pipeline';
import { createGroupCommit } from './group-commit';
import { createSqliteCatalog } from './sqlite-catalog';
import { foldAndPlan, planOneSegment, planWithoutEntries } from './history-plan';
import { createSqliteHistory } from './sqlite-history';
import { createSqliteImages } from './sqlite-images';
import { migrateSqlite } from './sqlite-migrations';
import { openWalFlush } from './sqlite-wal-flush';
import {
  PROBE_ROOM,
  type AppendMeta,
  type AuthorRecord,
  type CompactionResult,
  type DocumentStorage,
  type FoldUpdates,
  type HistoryPlan,
  type LogEntry,
  type PlanHistory,
  type StoredDocument,
} from './types';

const SELECT_SNAPSHOT = 'SELECT data, through_id AS throughId FROM room_snapshots WHERE room = ?';
const SELECT_LOG = 'SELECT id, data FROM room_updates WHERE room = ? AND id > ? ORDER BY id';
const SELECT_LOG_ENTRIES = 'SELECT id, data, at, authors, attribution FROM room_updates WHERE room = ? AND id > ? ORDER BY id';
const INSERT_UPDATE = 'INSERT INTO room_updates (room, data, at, authors, attribution) VALUES (?, ?, ?, ?, ?)';
const INSERT_BINDING = 'INSERT INTO room_clients (room, client_id, author_id) VALUES (?, ?, ?) ON CONFLICT (room, client_id) DO NOTHING';
const UPSERT_AUTHOR = `
  INSERT INTO room_authors (room, author_id, name, color) VALUES (?, ?, ?, ?)
  ON CONFLICT (room, author_id) DO UPDATE SET name = excluded.name, color = excluded.color`;
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
const INSERT_COMMENT_LINK_IF_ABSENT = 'INSERT INTO room_comment_links (room, comment_id) VALUES (?, ?) ON CONFLICT (room) DO NOTHING';
const UPSERT_COMMENT_LINK = `
  INSERT INTO room_comment_links (room, comment_id) VALUES (?, ?)
  ON CONFLICT (room) DO UPDATE SET comment_id = excluded.comment_id`;
const SELECT_COMMENT_LINK_BY_ROOM = 'SELECT comment_id AS commentId FROM room_comment_links WHERE room = ?';
const SELECT_ROOM_BY_COMMENT_LINK = 'SELECT room FROM room_comment_links WHERE comment_id = ?';
const DELETE_ROOM_LOG = 'DELETE FROM room_updates WHERE room = ?';
const SELECT_ROOM_HELD =
  'SELECT EXISTS (SELECT 1 FROM room_snapshots WHERE room = ?) OR EXISTS (SELECT 1 FROM room_updates WHERE room = ?) AS held';

interface SnapshotRow { data: Buffer; throughId: number }
interface LogRow { id: number; data: Buffer }
interface LogEntryRow { id: number; data: Buffer; at: number; authors: string; attribution: Buffer | null }
interface PendingAppend { room: string; update: Uint8Array; meta?: AppendMeta }

/** The authors column of an entry that names none. */
const NO_AUTHORS = '[]';

export interface SqliteOptions {
  /**
   * `full` (default): an append is flushed (the WAL fdatasynced) before `flushed` resolves, and
   * every other write commits with an fsync: power-safe. `normal`: nothing is fsynced (WAL
   * only: safe from crashes of this process, not from power loss), and `flushed` means written.
   */
  synchronous?: 'full' | 'normal';
}

/** What an append's flush is when nothing is flushed (`synchronous: 'normal'`, `:memory:`). */
const NO_FLUSH = Promise.resolve();

/** Opens (creating if needed) the SQLite database at `file`. */
export function openSqliteStorage(file: string, { synchronous = 'full' }: SqliteOptions = {}): DocumentStorage {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before its write resolves, so what a caller was told is stored
  // survives power loss. Appends alone commit with NORMAL and are flushed afterwards (below).
  // SQLITE_SYNCHRONOUS=normal (opt-in): every commit is in the WAL file, which any process
  // crash, kill -9 included, keeps; none is fsynced.
  const durable = synchronous === 'full';
  db.pragma(`synchronous = ${durable ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  migrateSqlite(db);
  // The WAL exists from the first transaction on (the migration's reads included).
  const walFlush = durable && file !== ':memory:' ? openWalFlush(file) : null;
  const flushes = walFlush ? createFlushPipeline(walFlush.flush) : null;
  const commitWithoutSync = db.prepare('PRAGMA synchronous = NORMAL');
  const commitWithSync = db.prepare('PRAGMA synchronous = FULL');
  const history = createSqliteHistory(db);
  const catalog = createSqliteCatalog(db, history);
  const images = createSqliteImages(db);
  // Changes by another connection (the admin command deleting a room or purging history) move
  // data_version; then the history estimate is counted afresh before usedBytes relies on it.
  let dataVersion = Number(db.pragma('data_version', { simple: true }));

  const selectSnapshot = db.prepare<[string], SnapshotRow>(SELECT_SNAPSHOT);
  const selectLog = db.prepare<[string, number], LogRow>(SELECT_LOG);
  const selectLogEntries = db.prepare<[string, number], LogEntryRow>(SELECT_LOG_ENTRIES);
  const insertUpdate = db.prepare(INSERT_UPDATE);
  const insertBinding = db.prepare(INSERT_BINDING);
  const upsertAuthor = db.prepare(UPSERT_AUTHOR);
  const upsertSnapshot = db.prepare(UPSERT_SNAPSHOT);
  const deleteLogThrough = db.prepare(DELETE_LOG_THROUGH);
  const insertViewIfAbsent = db.prepare(INSERT_VIEW_IF_ABSENT);
  const upsertView = db.prepare(UPSERT_VIEW);
  const selectViewByRoom = db.prepare<[string], { viewId: string }>(SELECT_VIEW_BY_ROOM);
  const selectRoomByView = db.prepare<[string], { room: string }>(SELECT_ROOM_BY_VIEW);
  const insertCommentLinkIfAbsent = db.prepare(INSERT_COMMENT_LINK_IF_ABSENT);
  const upsertCommentLink = db.prepare(UPSERT_COMMENT_LINK);
  const selectCommentLinkByRoom = db.prepare<[string], { commentId: string }>(SELECT_COMMENT_LINK_BY_ROOM);
  const selectRoomByCommentLink = db.prepare<[string], { room: string }>(SELECT_ROOM_BY_COMMENT_LINK);
  const deleteRoomLog = db.prepare(DELETE_ROOM_LOG);
  const selectRoomHeld = db.prepare<[string, string], { held: number }>(SELECT_ROOM_HELD);
  // Committing a row and its removal writes pages to the WAL: fails as appends do on a full
  // or read-only disk, which a read (ping) never notices.
  const probeWrite = db.transaction(() => {
    insertUpdate.run(PROBE_ROOM, Buffer.alloc(1), 0, NO_AUTHORS, null);
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
    return { updates, head, logLength: log.length, bindings: history.bindings(room) };
  });

  // The fold may run on a worker thread (seconds for a large room), and so may the history
  // plan, so compaction reads in one transaction and writes in another. Appends meanwhile get
  // ids above the folded ones and are kept; the write checks that no other compaction of the
  // room committed in between, and writes the history of the folded rows before deleting them.
  const readForCompaction = db.transaction((room: string) => {
    const snapshot = selectSnapshot.get(room);
    const log = selectLogEntries.all(room, snapshot?.throughId ?? 0);
    return { snapshot, log, tail: history.readTail(room) };
  });
  // With nothing folded (`fold` null: a plan's versions at existing segments) the snapshot
  // and log stay as they are.
  const writeCompaction = db.transaction(
    (room: string, fold: { data: Uint8Array; throughId: number } | null, read: { throughId: number; lastSeq: number }, plan: HistoryPlan) => {
      if ((selectSnapshot.get(room)?.throughId ?? 0) !== read.throughId || history.lastSeq(room) !== read.lastSeq) return null;
      if (fold) upsertSnapshot.run({ room, data: fold.data, throughId: fold.throughId });
      const historyBytes = history.writePlan(room, plan, read.lastSeq, fold?.data ?? null);
      if (fold) deleteLogThrough.run(room, fold.throughId);
      return historyBytes;
    },
  );
  const compactRoom = async (room: string, fold: FoldUpdates, planHistory: PlanHistory | undefined): Promise<CompactionResult | null> => {
    const { snapshot, log, tail } = readForCompaction(room);
    const read = { throughId: snapshot?.throughId ?? 0, lastSeq: tail.lastSeq };
    if (log.length === 0) {
      if (!planHistory) return null;
      const plan = await planWithoutEntries(planHistory, tail);
      if (plan.versions.length === 0) return null;
      if (closed) throw new Error('storage is closed');
      const historyBytes = writeCompaction(room, null, read, plan);
      if (historyBytes === null) return null;
      history.written(historyBytes);
      return { folded: 0, foldedBytes: 0, snapshotBytes: snapshot?.data.byteLength ?? 0, waitedForLock: false, versions: plan.versions };
    }
    const entries: LogEntry[] = log.map((row) => ({
      id: row.id,
      data: new Uint8Array(row.data),
      at: row.at,
      authors: JSON.parse(row.authors) as AuthorRecord[],
      attribution: row.attribution ? new Uint8Array(row.attribution) : null,
    }));
    const stored = entries.map((entry) => entry.data);
    if (snapshot) stored.unshift(new Uint8Array(snapshot.data));
    const { data, plan } = await foldAndPlan(fold, stored, planHistory ?? planOneSegment, entries, tail);
    if (closed) throw new Error('storage is closed');
    const historyBytes = writeCompaction(room, { data, throughId: log[log.length - 1].id }, read, plan);
    if (historyBytes === null) return null;
    history.written(historyBytes);
    return {
      folded: log.length,
      foldedBytes: log.reduce((sum, row) => sum + row.data.byteLength, 0),
      snapshotBytes: data.byteLength,
      waitedForLock: false,
      versions: plan.versions,
    };
  };

  // Group commit (group-commit.ts): the appends of one synchronous run, from any room, go into
  // one transaction, so a busy server pays one fsync per turn rather than one per active room.
  // Bindings and renamed authors commit with the rows that bring them.
  const insertAll = db.transaction((items: PendingAppend[], meta: MetaRows) => {
    const ids = items.map((item) => {
      const authors = item.meta && item.meta.authors.length > 0 ? JSON.stringify(item.meta.authors) : NO_AUTHORS;
      const at = item.meta?.at ?? Date.now();
      return Number(insertUpdate.run(item.room, item.update, at, authors, item.meta?.attribution ?? null).lastInsertRowid);
    });
    for (const { room, binding } of meta.bindings) insertBinding.run(room, binding.clientId, binding.authorId);
    for (const { room, author } of meta.authors) upsertAuthor.run(room, author.id, author.name, author.color);
    return ids;
  });
  // With flushes, the commit itself skips the fsync (written at once) and the pipeline
  // fdatasyncs the WAL behind it: rooms forward the change once written and acknowledge it
  // once flushed, and the event loop never waits for the disk.
  const insertWritten = (items: PendingAppend[], meta: MetaRows): number[] => {
    if (!flushes) return insertAll(items, meta);
    commitWithoutSync.run();
    try {
      return insertAll(items, meta);
    } finally {
      commitWithSync.run();
    }
  };
  const authorRows = new AuthorRowCache();
  const appends = createGroupCommit((items: PendingAppend[]): CommittedAppend[] => {
    const meta = authorRows.rowsFor(items);
    const ids = insertWritten(items, meta);
    meta.committed();
    const flushed = flushes ? flushes.afterWrite() : NO_FLUSH;
    return ids.map((id) => ({ id, flushed }));
  });
  const appendInStages = (room: string, update: Uint8Array, meta?: AppendMeta) =>
    stagedAppend(closed ? Promise.reject(new Error('storage is closed')) : appends.submit({ room, update, meta }));

  let closed = false;
  return {
    kind: 'sqlite',
    async load(room) {
      return loadRoom(room);
    },
    async holdsRoom(room) {
      return selectRoomHeld.get(room, room)?.held === 1;
    },
    append(room, update, meta) {
      return appendFlushed(appendInStages(room, update, meta));
    },
    appendInStages,
    compact(room, fold, plan) {
      return compactRoom(room, fold, plan);
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
    async ensureCommentId(room, candidate) {
      insertCommentLinkIfAbsent.run(room, candidate);
      return selectCommentLinkByRoom.get(room)!.commentId;
    },
    async replaceCommentId(room, next) {
      upsertCommentLink.run(room, next);
    },
    async roomForCommentId(commentId) {
      return selectRoomByCommentLink.get(commentId)?.room ?? null;
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
      const version = Number(db.pragma('data_version', { simple: true }));
      if (version !== dataVersion) {
        dataVersion = version;
        history.recount();
      }
      // Pages in use (pages freed by compaction are reused before the file grows again), less
      // history: it only grows, and deleting text must free room under the quota.
      const pages = Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
      return pages * Number(db.pragma('page_size', { simple: true })) - history.bytes();
    },
    async freeDiskBytes() {
      if (!directory) return null;
      const stats = await fs.promises.statfs(directory);
      return stats.bavail * stats.bsize;
    },
    ...history.store,
    ...catalog,
    ...images,
    async close() {
      if (closed) return;
      closed = true;
      await appends.flush();
      await flushes?.idle();
      walFlush?.close();
      db.close();
    },
  };
}
