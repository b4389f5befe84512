/**
 * The RoomCatalog half of SQLite storage (types.ts): every stored room with its size, deleting
 * a room for good (tombstones in `room_tombstones`), and purging old history. It runs in the
 * admin command's process, beside a running server's: deletions and purges take the write lock
 * up front (`immediate`), and a purge builds its checkpoint before it, so the server's appends
 * wait for a few deletes, never for a Yjs build.
 */
import type Database from 'better-sqlite3';
import { checkBaseline, InvalidHistoryError, purgeCut, type PurgeCut, type VersionTime } from './history-plan';
import type { SqliteHistory } from './sqlite-history';
import { ROOM_TABLES } from './room-tables';
import { commentLogName, PROBE_ROOM, type RoomCatalog, type RoomSummary, type TombstoneKind, type VersionRecord } from './types';

// Rooms holding a document; their comment logs (`<room>#comments`) and the probe room are not rooms.
const SELECT_ROOMS = `
  WITH rooms AS (SELECT room FROM room_snapshots UNION SELECT room FROM room_updates)
  SELECT r.room,
    COALESCE((SELECT SUM(length(data)) FROM room_snapshots WHERE room IN (r.room, r.room || '#comments')), 0)
    + COALESCE((SELECT SUM(length(data)) FROM room_updates WHERE room IN (r.room, r.room || '#comments')), 0)
    + COALESCE((SELECT SUM(length(data) + COALESCE(length(attribution), 0)) FROM room_history_segments WHERE room = r.room), 0)
    + COALESCE((SELECT SUM(length(data)) FROM room_history_checkpoints WHERE room = r.room), 0) AS bytes,
    (SELECT COUNT(*) FROM room_versions WHERE room = r.room) AS versions,
    MAX(COALESCE((SELECT MAX(at) FROM room_updates WHERE room = r.room), 0),
        COALESCE((SELECT MAX(ended_at) FROM room_history_segments WHERE room = r.room), 0)) AS lastChangeAt
  FROM rooms r WHERE r.room <> @probe AND instr(r.room, '#') = 0 ORDER BY r.room`;
const SELECT_VIEW_ID = 'SELECT view_id AS id FROM room_views WHERE room = ?';
const SELECT_COMMENT_ID = 'SELECT comment_id AS id FROM room_comment_links WHERE room = ?';
const INSERT_TOMBSTONE = 'INSERT INTO room_tombstones (kind, id, deleted_at) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO NOTHING';
const SELECT_TOMBSTONE = 'SELECT deleted_at AS deletedAt FROM room_tombstones WHERE kind = ? AND id = ?';
// One statement for any number of ids: a JSON array, unpacked by json_each.
const SELECT_TOMBSTONES = `SELECT id, deleted_at AS deletedAt FROM room_tombstones
  WHERE kind = ? AND id IN (SELECT value FROM json_each(?))`;
const SELECT_VERSION_TIMES = 'SELECT id, seq, created_at AS createdAt FROM room_versions WHERE room = ?';
const SELECT_LAST_SEGMENT_END = 'SELECT seq, ended_at AS endedAt FROM room_history_segments WHERE room = ? ORDER BY seq DESC LIMIT 1';
const SELECT_FIRST_SEQ = 'SELECT COALESCE(MIN(seq), 0) AS seq FROM room_history_segments WHERE room = ?';
const SELECT_HAS_SEGMENT = 'SELECT 1 AS found FROM room_history_segments WHERE room = ? AND seq = ?';
const DELETE_VERSION = 'DELETE FROM room_versions WHERE room = ? AND id = ?';
const DELETE_SEGMENTS_BEFORE = 'DELETE FROM room_history_segments WHERE room = ? AND seq < ?';
const DELETE_CHECKPOINTS_BEFORE = 'DELETE FROM room_history_checkpoints WHERE room = ? AND seq < ?';
const SELECT_CHECKPOINT_AT = 'SELECT 1 AS found FROM room_history_checkpoints WHERE room = ? AND seq = ?';
const INSERT_CHECKPOINT = 'INSERT INTO room_history_checkpoints (room, seq, data) VALUES (?, ?, ?)';
const INSERT_VERSION = `
  INSERT INTO room_versions (id, room, seq, kind, name, created_at, authors, inserted, deleted, restored_from)
  VALUES (@id, @room, @seq, @kind, @name, @createdAt, @authors, @inserted, @deleted, @restoredFrom)`;

/** Prepares the catalog statements on `db` (migrated to version 6 or later). */
export function createSqliteCatalog(db: Database.Database, history: SqliteHistory): RoomCatalog {
  const selectRooms = db.prepare<{ probe: string }, Omit<RoomSummary, 'lastChangeAt'> & { lastChangeAt: number }>(SELECT_ROOMS);
  const deletes = ROOM_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE room = ?`));
  const selectViewId = db.prepare<[string], { id: string }>(SELECT_VIEW_ID);
  const selectCommentId = db.prepare<[string], { id: string }>(SELECT_COMMENT_ID);
  const insertTombstone = db.prepare(INSERT_TOMBSTONE);
  const selectTombstone = db.prepare<[TombstoneKind, string], { deletedAt: number }>(SELECT_TOMBSTONE);
  const selectTombstones = db.prepare<[TombstoneKind, string], { id: string; deletedAt: number }>(SELECT_TOMBSTONES);
  const selectVersionTimes = db.prepare<[string], VersionTime>(SELECT_VERSION_TIMES);
  const selectLastSegmentEnd = db.prepare<[string], { seq: number; endedAt: number }>(SELECT_LAST_SEGMENT_END);
  const selectFirstSeq = db.prepare<[string], { seq: number }>(SELECT_FIRST_SEQ);
  const selectHasSegment = db.prepare<[string, number], { found: number }>(SELECT_HAS_SEGMENT);
  const deleteVersion = db.prepare(DELETE_VERSION);
  const deleteSegmentsBefore = db.prepare(DELETE_SEGMENTS_BEFORE);
  const deleteCheckpointsBefore = db.prepare(DELETE_CHECKPOINTS_BEFORE);
  const selectCheckpointAt = db.prepare<[string, number], { found: number }>(SELECT_CHECKPOINT_AT);
  const insertCheckpoint = db.prepare(INSERT_CHECKPOINT);
  const insertVersion = db.prepare(INSERT_VERSION);

  const deleteRoom = db.transaction((room: string, at: number) => {
    const viewId = selectViewId.get(room)?.id;
    const commentId = selectCommentId.get(room)?.id;
    let removed = 0;
    for (const name of [room, commentLogName(room)]) for (const remove of deletes) removed += remove.run(name).changes;
    insertTombstone.run('room', room, at);
    if (viewId) insertTombstone.run('view', viewId, at);
    if (commentId) insertTombstone.run('comment', commentId, at);
    return { existed: removed > 0, deletedAt: selectTombstone.get('room', room)!.deletedAt };
  });

  const readForPurge = db.transaction((room: string) => ({
    versions: selectVersionTimes.all(room),
    lastSegment: selectLastSegmentEnd.get(room) ?? null,
    firstSeq: selectFirstSeq.get(room)!.seq,
  }));
  const writePurge = db.transaction((room: string, cut: PurgeCut, firstSeq: number, state: Uint8Array | null, baseline: VersionRecord) => {
    // Another purge committed since the read: the pieces this one built may be gone.
    if (selectFirstSeq.get(room)!.seq !== firstSeq || !selectHasSegment.get(room, cut.seq)) {
      throw new InvalidHistoryError('the history changed while it was purged; run the purge again');
    }
    for (const id of cut.removed) deleteVersion.run(room, id);
    const segmentsRemoved = deleteSegmentsBefore.run(room, cut.seq).changes;
    const checkpointsRemoved = deleteCheckpointsBefore.run(room, cut.seq).changes;
    if (state && !selectCheckpointAt.get(room, cut.seq)) insertCheckpoint.run(room, cut.seq, state);
    insertVersion.run({ ...baseline, room, authors: JSON.stringify(baseline.authors) });
    return { versionsRemoved: cut.removed.length, segmentsRemoved, checkpointsRemoved };
  });

  return {
    async listRooms() {
      return selectRooms.all({ probe: PROBE_ROOM }).map((row) => ({ ...row, lastChangeAt: row.lastChangeAt > 0 ? row.lastChangeAt : null }));
    },
    async deleteRoom(room, at) {
      const deleted = deleteRoom.immediate(room, at);
      history.recount();
      return deleted;
    },
    async tombstoned(kind, ids) {
      if (ids.length === 0) return new Map();
      return new Map(selectTombstones.all(kind, JSON.stringify(ids)).map((row) => [row.id, row.deletedAt]));
    },
    async purgeHistory(room, purge) {
      const read = readForPurge(room);
      const cut = purgeCut(read.versions, read.lastSegment, purge.before);
      if (!cut) return null;
      // The checkpoint the remaining history starts from, built outside the write lock.
      const pieces = await history.store.loadHistory(room, cut.seq);
      const state = pieces.checkpoint?.seq === cut.seq ? null : purge.materialise(pieces);
      const baseline = checkBaseline(purge.baseline({ seq: cut.seq, createdAt: cut.createdAt }), cut.seq);
      const counts = writePurge.immediate(room, cut, read.firstSeq, state, baseline);
      history.recount();
      return { ...counts, baseline };
    },
  };
}
