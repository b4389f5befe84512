/**
 * A room's history in SQLite (schema: sqlite-migrations.ts): the HistoryStore reads and
 * writes, and the two steps compaction runs inside its own transactions (read the tail, write
 * a checked plan). It also keeps the estimate of the bytes history takes, which usedBytes()
 * leaves out of MAX_STORAGE_BYTES.
 */
import type Database from 'better-sqlite3';
import { checkAttributionOverrides, checkSettings, checkSeq, checkVersion, checkVersionName, InvalidHistoryError, openStretch } from './history-plan';
import { createLocalRestoreLocks } from './local-restore-locks';
import type {
  AttributionOverride,
  AuthorRecord,
  ClientBinding,
  HistoryPieces,
  HistoryPlan,
  HistorySegment,
  HistoryStore,
  HistoryTail,
  VersionRecord,
} from './types';

const SEGMENT_COLUMNS = `seq, first_id AS firstId, last_id AS lastId, started_at AS startedAt, ended_at AS endedAt,
  authors, inserted, deleted`;
const VERSION_COLUMNS = `id, kind, name, created_at AS createdAt, seq, authors, inserted, deleted, restored_from AS restoredFrom`;
const SELECT_LAST_SEGMENT = `SELECT ${SEGMENT_COLUMNS} FROM room_history_segments WHERE room = ? ORDER BY seq DESC LIMIT 1`;
const SELECT_SEGMENTS_AFTER = 'SELECT started_at AS startedAt, inserted, deleted, authors FROM room_history_segments WHERE room = ? AND seq > ? ORDER BY seq';
const SELECT_LAST_SEQ = 'SELECT COALESCE(MAX(seq), 0) AS seq FROM room_history_segments WHERE room = ?';
const COUNT_SEGMENTS_SINCE_CHECKPOINT = `
  SELECT COUNT(*) AS n FROM room_history_segments
  WHERE room = @room AND seq > COALESCE((SELECT MAX(seq) FROM room_history_checkpoints WHERE room = @room), 0)`;
const SELECT_CHECKPOINT_AT_OR_BEFORE = 'SELECT seq, data FROM room_history_checkpoints WHERE room = ? AND seq <= ? ORDER BY seq DESC LIMIT 1';
const SELECT_SEGMENTS_BETWEEN = `SELECT ${SEGMENT_COLUMNS}, data, attribution FROM room_history_segments
  WHERE room = ? AND seq > ? AND seq <= ? ORDER BY seq`;
const INSERT_SEGMENT = `
  INSERT INTO room_history_segments
    (room, seq, first_id, last_id, started_at, ended_at, data, attribution, authors, inserted, deleted)
  VALUES (@room, @seq, @firstId, @lastId, @startedAt, @endedAt, @data, @attribution, @authors, @inserted, @deleted)`;
const INSERT_CHECKPOINT = 'INSERT INTO room_history_checkpoints (room, seq, data) VALUES (?, ?, ?)';
const INSERT_VERSION = `
  INSERT INTO room_versions (id, room, seq, kind, name, created_at, authors, inserted, deleted, restored_from)
  VALUES (@id, @room, @seq, @kind, @name, @createdAt, @authors, @inserted, @deleted, @restoredFrom)`;
// Newest first; `before` pages by the (seq, created_at, id) of a version (unknown: no rows).
const NEWEST_FIRST = 'ORDER BY seq DESC, created_at DESC, id DESC LIMIT @limit';
const SELECT_VERSIONS = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = @room ${NEWEST_FIRST}`;
const SELECT_VERSIONS_BEFORE = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = @room
  AND (seq, created_at, id) < (SELECT seq, created_at, id FROM room_versions WHERE room = @room AND id = @before) ${NEWEST_FIRST}`;
const SELECT_LAST_VERSION = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = ? ORDER BY seq DESC, created_at DESC, id DESC LIMIT 1`;
const SELECT_VERSION = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = ? AND id = ?`;
// Naming an automatic version makes it a named one; other kinds keep theirs.
const RENAME_VERSION = `
  UPDATE room_versions SET name = @name, kind = CASE kind WHEN 'auto' THEN 'named' ELSE kind END
  WHERE room = @room AND id = @id RETURNING ${VERSION_COLUMNS}`;
const SELECT_BINDINGS = 'SELECT client_id AS clientId, author_id AS authorId FROM room_clients WHERE room = ? ORDER BY client_id';
const SELECT_AUTHORS = 'SELECT author_id AS id, name, color FROM room_authors WHERE room = ? ORDER BY author_id';
const SELECT_OVERRIDES = `SELECT client_id AS clientId, clock, length, author_id AS authorId FROM room_attribution_overrides
  WHERE room = ? ORDER BY client_id, clock`;
const INSERT_OVERRIDE = `INSERT INTO room_attribution_overrides (room, client_id, clock, length, author_id)
  VALUES (@room, @clientId, @clock, @length, @authorId) ON CONFLICT DO NOTHING`;
const SELECT_SETTINGS = `SELECT history_visible_to_viewers AS visible, comments_visible_to_viewers AS comments
  FROM room_settings WHERE room = ?`;
const UPSERT_SETTINGS = `
  INSERT INTO room_settings (room, history_visible_to_viewers, comments_visible_to_viewers) VALUES (?, ?, ?)
  ON CONFLICT (room) DO UPDATE SET history_visible_to_viewers = excluded.history_visible_to_viewers,
    comments_visible_to_viewers = excluded.comments_visible_to_viewers`;

/**
 * Bytes each history row is counted with beyond its values: its integers and record header.
 * The room key is counted once per index holding it. What is left (b-tree page slack, a few
 * percent for large values) stays in usedBytes: the estimate never exceeds the pages history takes.
 */
const ROW_BYTES = 24;
// The same estimate, over what is stored (at open); blob lengths come from record headers, so
// this reads no overflow pages.
const SELECT_HISTORY_BYTES = `
  SELECT
    (SELECT COALESCE(SUM(length(data) + COALESCE(length(attribution), 0) + octet_length(authors) + 2 * octet_length(room) + ${ROW_BYTES}), 0)
       FROM room_history_segments)
  + (SELECT COALESCE(SUM(length(data) + 2 * octet_length(room) + ${ROW_BYTES}), 0) FROM room_history_checkpoints)
  + (SELECT COALESCE(SUM(2 * octet_length(id) + 3 * octet_length(room) + octet_length(authors)
       + COALESCE(octet_length(name), 0) + COALESCE(octet_length(restored_from), 0) + ${ROW_BYTES}), 0) FROM room_versions)
  AS bytes`;

const utf8Bytes = (text: string | null) => (text === null ? 0 : Buffer.byteLength(text));

interface SegmentRow {
  seq: number;
  firstId: number;
  lastId: number;
  startedAt: number;
  endedAt: number;
  authors: string;
  inserted: number;
  deleted: number;
}
interface SegmentDataRow extends SegmentRow {
  data: Buffer;
  attribution: Buffer | null;
}
interface VersionRow extends Omit<VersionRecord, 'authors'> {
  authors: string;
}

const toVersion = (row: VersionRow): VersionRecord => ({ ...row, authors: JSON.parse(row.authors) as AuthorRecord[] });
const toSegmentSummary = (row: SegmentRow): HistoryTail['lastSegment'] => ({ ...row, authors: JSON.parse(row.authors) as AuthorRecord[] });
const toSegment = (row: SegmentDataRow): HistorySegment => ({
  ...row,
  authors: JSON.parse(row.authors) as AuthorRecord[],
  data: new Uint8Array(row.data),
  attribution: row.attribution ? new Uint8Array(row.attribution) : null,
});

/** What sqlite.ts uses besides the HistoryStore methods. */
export interface SqliteHistory {
  store: HistoryStore;
  /** Every client binding of the room (for load()). */
  bindings(room: string): ClientBinding[];
  /** What compaction hands the planner. Call inside the compaction's read transaction. */
  readTail(room: string): HistoryTail;
  /** The room's newest segment seq. */
  lastSeq(room: string): number;
  /**
   * Writes a checked plan (segments after `lastSeq`, versions, the checkpoint holding
   * `snapshot`). Call inside the compaction's write transaction; returns the bytes to pass to
   * `written` once it committed.
   */
  writePlan(room: string, plan: HistoryPlan, lastSeq: number, snapshot: Uint8Array | null): number;
  /** Counts committed history bytes into the estimate. */
  written(bytes: number): void;
  /** Estimated bytes history takes in the file. */
  bytes(): number;
  /** Counts the estimate afresh from what is stored (after history was removed, here or by another process). */
  recount(): void;
}

/** Prepares the history statements on `db` (migrated to version 3 or later). */
export function createSqliteHistory(db: Database.Database): SqliteHistory {
  const selectLastSegment = db.prepare<[string], SegmentRow>(SELECT_LAST_SEGMENT);
  const selectLastSeq = db.prepare<[string], { seq: number }>(SELECT_LAST_SEQ);
  const selectSegmentsAfter = db.prepare<[string, number], { startedAt: number; inserted: number; deleted: number; authors: string }>(SELECT_SEGMENTS_AFTER);
  const countSinceCheckpoint = db.prepare<{ room: string }, { n: number }>(COUNT_SEGMENTS_SINCE_CHECKPOINT);
  const selectCheckpoint = db.prepare<[string, number], { seq: number; data: Buffer }>(SELECT_CHECKPOINT_AT_OR_BEFORE);
  const selectSegmentsBetween = db.prepare<[string, number, number], SegmentDataRow>(SELECT_SEGMENTS_BETWEEN);
  const insertSegment = db.prepare(INSERT_SEGMENT);
  const insertCheckpoint = db.prepare(INSERT_CHECKPOINT);
  const insertVersion = db.prepare(INSERT_VERSION);
  const selectVersions = db.prepare<{ room: string; limit: number }, VersionRow>(SELECT_VERSIONS);
  const selectVersionsBefore = db.prepare<{ room: string; limit: number; before: string }, VersionRow>(SELECT_VERSIONS_BEFORE);
  const selectLastVersion = db.prepare<[string], VersionRow>(SELECT_LAST_VERSION);
  const selectVersion = db.prepare<[string, string], VersionRow>(SELECT_VERSION);
  const renameVersion = db.prepare<{ room: string; id: string; name: string }, VersionRow>(RENAME_VERSION);
  const selectBindings = db.prepare<[string], ClientBinding>(SELECT_BINDINGS);
  const selectAuthors = db.prepare<[string], AuthorRecord>(SELECT_AUTHORS);
  const selectOverrides = db.prepare<[string], AttributionOverride>(SELECT_OVERRIDES);
  const insertOverride = db.prepare(INSERT_OVERRIDE);
  const selectSettings = db.prepare<[string], { visible: number; comments: number }>(SELECT_SETTINGS);
  const upsertSettings = db.prepare(UPSERT_SETTINGS);
  const selectHistoryBytes = db.prepare<[], { bytes: number }>(SELECT_HISTORY_BYTES);
  let historyBytes = Number(selectHistoryBytes.get()!.bytes);

  const lastSeq = (room: string) => selectLastSeq.get(room)!.seq;

  /** Inserts a checked version and returns its estimated bytes. */
  const insertVersionRow = (room: string, version: VersionRecord): number => {
    const authors = JSON.stringify(version.authors);
    try {
      insertVersion.run({ ...version, room, authors });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new InvalidHistoryError(`version id ${version.id} is taken`);
      }
      throw error;
    }
    return 2 * utf8Bytes(version.id) + 3 * utf8Bytes(room) + utf8Bytes(authors) + utf8Bytes(version.name) + utf8Bytes(version.restoredFrom) + ROW_BYTES;
  };

  const loadPieces = db.transaction((room: string, seq: number): HistoryPieces => {
    const checkpoint = selectCheckpoint.get(room, seq);
    return {
      checkpoint: checkpoint ? { seq: checkpoint.seq, data: new Uint8Array(checkpoint.data) } : null,
      segments: selectSegmentsBetween.all(room, checkpoint?.seq ?? 0, seq).map(toSegment),
    };
  });
  /** Renames a version; returns it and how many bytes its row grew by. */
  const rename = db.transaction((room: string, id: string, name: string) => {
    const before = selectVersion.get(room, id);
    if (!before) return null;
    return { row: renameVersion.get({ room, id, name })!, bytes: utf8Bytes(name) - utf8Bytes(before.name) };
  });
  const loadAuthorship = db.transaction((room: string) => ({
    bindings: selectBindings.all(room),
    authors: selectAuthors.all(room),
    overrides: selectOverrides.all(room),
  }));
  const addOverrides = db.transaction((room: string, overrides: readonly AttributionOverride[]) => {
    for (const { clientId, clock, length, authorId } of overrides) insertOverride.run({ room, clientId, clock, length, authorId });
  });

  const store: HistoryStore = {
    async listVersions(room, { limit, before }) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidHistoryError(`a version list needs a positive limit, not ${limit}`);
      const rows = before === undefined ? selectVersions.all({ room, limit }) : selectVersionsBefore.all({ room, limit, before });
      return rows.map(toVersion);
    },
    async getVersion(room, id) {
      const row = selectVersion.get(room, id);
      return row ? toVersion(row) : null;
    },
    async addVersion(room, version) {
      checkVersion(version, lastSeq(room));
      historyBytes += insertVersionRow(room, version);
    },
    async renameVersion(room, id, name) {
      checkVersionName(name);
      const renamed = rename(room, id, name);
      if (!renamed) return null;
      historyBytes += renamed.bytes;
      return toVersion(renamed.row);
    },
    async lastSegmentSeq(room) {
      return lastSeq(room);
    },
    async loadHistory(room, seq) {
      checkSeq(seq);
      return loadPieces(room, seq);
    },
    async loadSegments(room) {
      return selectSegmentsBetween.all(room, 0, Number.MAX_SAFE_INTEGER).map(toSegment);
    },
    async loadAuthorship(room) {
      return loadAuthorship(room);
    },
    async addAttributionOverrides(room, overrides) {
      checkAttributionOverrides(overrides);
      addOverrides(room, overrides);
    },
    async getSettings(room) {
      const row = selectSettings.get(room);
      return { historyVisibleToViewers: row?.visible === 1, commentsVisibleToViewers: row?.comments === 1 };
    },
    async updateSettings(room, settings) {
      checkSettings(settings);
      upsertSettings.run(room, settings.historyVisibleToViewers ? 1 : 0, settings.commentsVisibleToViewers ? 1 : 0);
    },
    lockRestore: createLocalRestoreLocks(),
  };

  return {
    store,
    bindings: (room) => selectBindings.all(room),
    lastSeq,
    readTail(room) {
      const lastVersion = selectLastVersion.get(room);
      const lastSegment = selectLastSegment.get(room);
      const open = selectSegmentsAfter.all(room, lastVersion?.seq ?? 0).map((row) => ({ ...row, authors: JSON.parse(row.authors) as AuthorRecord[] }));
      return {
        lastSeq: lastSegment?.seq ?? 0,
        lastSegment: lastSegment ? toSegmentSummary(lastSegment) : null,
        lastVersion: lastVersion ? toVersion(lastVersion) : null,
        segmentsSinceCheckpoint: countSinceCheckpoint.get({ room })!.n,
        openSince: openStretch(open),
      };
    },
    writePlan(room, plan, after, snapshot) {
      let bytes = 0;
      plan.segments.forEach((segment, index) => {
        const authors = JSON.stringify(segment.authors);
        insertSegment.run({ ...segment, room, seq: after + 1 + index, authors });
        bytes += segment.data.byteLength + (segment.attribution?.byteLength ?? 0) + utf8Bytes(authors) + 2 * utf8Bytes(room) + ROW_BYTES;
      });
      for (const version of plan.versions) bytes += insertVersionRow(room, version);
      // A checked plan has a checkpoint only with segments, which only a fold brings.
      if (plan.checkpoint && snapshot) {
        insertCheckpoint.run(room, after + plan.segments.length, snapshot);
        bytes += snapshot.byteLength + 2 * utf8Bytes(room) + ROW_BYTES;
      }
      return bytes;
    },
    written(bytes) {
      historyBytes += bytes;
    },
    bytes: () => historyBytes,
    recount() {
      historyBytes = Number(selectHistoryBytes.get()!.bytes);
    },
  };
}
