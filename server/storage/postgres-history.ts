/**
 * A room's history in PostgreSQL (schema: postgres-migrations.ts): the HistoryStore reads and
 * writes, and the two steps compaction runs inside its transaction, under the room's
 * compaction lock (read the tail, write a checked plan).
 */
import type pg from 'pg';
import { checkAttributionOverrides, checkSettings, checkSeq, checkVersion, checkVersionName, InvalidHistoryError, openStretch } from './history-plan';
import type { AttributionOverride, AuthorRecord, ClientBinding, HistoryPieces, HistoryPlan, HistorySegment, HistoryStore, HistoryTail, VersionRecord } from './types';

/** A pool or one client of it (inside a transaction). */
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** Advisory lock class of room compactions: (this, hashtext(room)) locks one room (purges of its history take it too). */
export const COMPACTION_LOCK_CLASS = 0x636d7074; // "cmpt"
/** Advisory lock class of room restores: (this, hashtext(room)) locks one room's restores. */
export const RESTORE_LOCK_CLASS = 0x72737472; // "rstr"
const TRY_LOCK_RESTORE = 'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked';
const UNLOCK_RESTORE = 'SELECT pg_advisory_unlock($1, hashtext($2))';
const SEGMENT_COLUMNS = 'seq, first_id, last_id, started_at, ended_at, authors, inserted, deleted';
const VERSION_COLUMNS = 'id, kind, name, created_at, seq, authors, inserted, deleted, restored_from';
const SELECT_LAST_SEGMENT = `SELECT ${SEGMENT_COLUMNS} FROM room_history_segments WHERE room = $1 ORDER BY seq DESC LIMIT 1`;
const SELECT_SEGMENTS_AFTER = 'SELECT started_at, inserted, deleted, authors FROM room_history_segments WHERE room = $1 AND seq > $2 ORDER BY seq';
const SELECT_LAST_SEQ = 'SELECT COALESCE(MAX(seq), 0) AS seq FROM room_history_segments WHERE room = $1';
const COUNT_SEGMENTS_SINCE_CHECKPOINT = `
  SELECT COUNT(*)::integer AS n FROM room_history_segments
  WHERE room = $1 AND seq > COALESCE((SELECT MAX(seq) FROM room_history_checkpoints WHERE room = $1), 0)`;
// One statement, so a compaction committing meanwhile cannot pair an old checkpoint with new segments.
const SELECT_PIECES = `
  WITH checkpoint AS (
    SELECT seq, data FROM room_history_checkpoints WHERE room = $1 AND seq <= $2::bigint ORDER BY seq DESC LIMIT 1
  )
  SELECT 0 AS part, seq, NULL::bigint AS first_id, NULL::bigint AS last_id, NULL::bigint AS started_at, NULL::bigint AS ended_at,
    NULL AS authors, NULL::integer AS inserted, NULL::integer AS deleted, data, NULL::bytea AS attribution FROM checkpoint
  UNION ALL
  SELECT 1, ${SEGMENT_COLUMNS}, data, attribution FROM room_history_segments
  WHERE room = $1 AND seq > COALESCE((SELECT seq FROM checkpoint), 0) AND seq <= $2::bigint
  ORDER BY part, seq`;
const SELECT_SEGMENTS = `SELECT ${SEGMENT_COLUMNS}, data, attribution FROM room_history_segments WHERE room = $1 ORDER BY seq`;
const INSERT_SEGMENT = `
  INSERT INTO room_history_segments
    (room, seq, first_id, last_id, started_at, ended_at, data, attribution, authors, inserted, deleted)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
const INSERT_CHECKPOINT = 'INSERT INTO room_history_checkpoints (room, seq, data) VALUES ($1, $2, $3)';
const INSERT_VERSION = `
  INSERT INTO room_versions (id, room, seq, kind, name, created_at, authors, inserted, deleted, restored_from)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
// Newest first; `before` pages by the (seq, created_at, id) of a version (unknown: no rows).
const NEWEST_FIRST = 'ORDER BY seq DESC, created_at DESC, id DESC';
const SELECT_VERSIONS = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = $1 ${NEWEST_FIRST} LIMIT $2`;
const SELECT_VERSIONS_BEFORE = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = $1
  AND (seq, created_at, id) < (SELECT seq, created_at, id FROM room_versions WHERE room = $1 AND id = $3) ${NEWEST_FIRST} LIMIT $2`;
const SELECT_LAST_VERSION = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = $1 ${NEWEST_FIRST} LIMIT 1`;
const SELECT_VERSION = `SELECT ${VERSION_COLUMNS} FROM room_versions WHERE room = $1 AND id = $2`;
// Naming an automatic version makes it a named one; other kinds keep theirs.
const RENAME_VERSION = `
  UPDATE room_versions SET name = $3, kind = CASE kind WHEN 'auto' THEN 'named' ELSE kind END
  WHERE room = $1 AND id = $2 RETURNING ${VERSION_COLUMNS}`;
const SELECT_BINDINGS = 'SELECT client_id, author_id FROM room_clients WHERE room = $1 ORDER BY client_id';
const SELECT_AUTHORS = 'SELECT author_id, name, color FROM room_authors WHERE room = $1 ORDER BY author_id';
const SELECT_OVERRIDES = 'SELECT client_id, clock, length, author_id FROM room_attribution_overrides WHERE room = $1 ORDER BY client_id, clock';
// One statement for all of them: rows from unnest'ed arrays.
const INSERT_OVERRIDES = `
  INSERT INTO room_attribution_overrides (room, client_id, clock, length, author_id)
  SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[])
  ON CONFLICT DO NOTHING`;
const SELECT_SETTINGS = 'SELECT history_visible_to_viewers, comments_visible_to_viewers FROM room_settings WHERE room = $1';
const UPSERT_SETTINGS = `
  INSERT INTO room_settings (room, history_visible_to_viewers, comments_visible_to_viewers) VALUES ($1, $2, $3)
  ON CONFLICT (room) DO UPDATE SET history_visible_to_viewers = excluded.history_visible_to_viewers,
    comments_visible_to_viewers = excluded.comments_visible_to_viewers`;
/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

// BIGINT columns arrive as strings.
interface SegmentRow {
  seq: number;
  first_id: string;
  last_id: string;
  started_at: string;
  ended_at: string;
  authors: string;
  inserted: number;
  deleted: number;
}
interface SegmentDataRow extends SegmentRow {
  data: Buffer;
  attribution: Buffer | null;
}
interface VersionRow {
  id: string;
  kind: VersionRecord['kind'];
  name: string | null;
  created_at: string;
  seq: number;
  authors: string;
  inserted: number;
  deleted: number;
  restored_from: string | null;
}

const toSummary = (row: SegmentRow): NonNullable<HistoryTail['lastSegment']> => ({
  seq: row.seq,
  firstId: Number(row.first_id),
  lastId: Number(row.last_id),
  startedAt: Number(row.started_at),
  endedAt: Number(row.ended_at),
  authors: JSON.parse(row.authors) as AuthorRecord[],
  inserted: row.inserted,
  deleted: row.deleted,
});
const toSegment = (row: SegmentDataRow): HistorySegment => ({
  ...toSummary(row),
  data: new Uint8Array(row.data),
  attribution: row.attribution ? new Uint8Array(row.attribution) : null,
});
const toVersion = (row: VersionRow): VersionRecord => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  createdAt: Number(row.created_at),
  seq: row.seq,
  authors: JSON.parse(row.authors) as AuthorRecord[],
  inserted: row.inserted,
  deleted: row.deleted,
  restoredFrom: row.restored_from,
});
const bytea = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

async function lastSeq(db: Queryable, room: string): Promise<number> {
  const { rows } = await db.query<{ seq: number }>(SELECT_LAST_SEQ, [room]);
  return rows[0].seq;
}

/** Every client binding of the room. */
export async function loadBindings(db: Queryable, room: string): Promise<ClientBinding[]> {
  const { rows } = await db.query<{ client_id: string; author_id: string }>(SELECT_BINDINGS, [room]);
  return rows.map((row) => ({ clientId: Number(row.client_id), authorId: row.author_id }));
}

/** What materialising the state at segment `seq` needs, in one statement. */
export async function loadHistoryPieces(db: Queryable, room: string, seq: number): Promise<HistoryPieces> {
  const { rows } = await db.query<SegmentDataRow & { part: number }>(SELECT_PIECES, [room, seq]);
  const checkpoint = rows[0]?.part === 0 ? rows[0] : null;
  return {
    checkpoint: checkpoint ? { seq: checkpoint.seq, data: new Uint8Array(checkpoint.data) } : null,
    segments: rows.filter((row) => row.part === 1).map(toSegment),
  };
}

/** What compaction hands the planner (call under the room's compaction lock). */
export async function readHistoryTail(db: Queryable, room: string): Promise<HistoryTail> {
  const [segment, version, since] = await Promise.all([
    db.query<SegmentRow>(SELECT_LAST_SEGMENT, [room]),
    db.query<VersionRow>(SELECT_LAST_VERSION, [room]),
    db.query<{ n: number }>(COUNT_SEGMENTS_SINCE_CHECKPOINT, [room]),
  ]);
  const lastVersion = version.rows[0] ? toVersion(version.rows[0]) : null;
  const open = await db.query<{ started_at: string; inserted: number; deleted: number; authors: string }>(SELECT_SEGMENTS_AFTER, [
    room,
    lastVersion?.seq ?? 0,
  ]);
  return {
    lastSeq: segment.rows[0]?.seq ?? 0,
    lastSegment: segment.rows[0] ? toSummary(segment.rows[0]) : null,
    lastVersion,
    segmentsSinceCheckpoint: since.rows[0].n,
    openSince: openStretch(
      open.rows.map((row) => ({ startedAt: Number(row.started_at), inserted: row.inserted, deleted: row.deleted, authors: JSON.parse(row.authors) as AuthorRecord[] })),
    ),
  };
}

async function insertVersion(db: Queryable, room: string, version: VersionRecord): Promise<void> {
  try {
    await db.query(INSERT_VERSION, [
      version.id,
      room,
      version.seq,
      version.kind,
      version.name,
      version.createdAt,
      JSON.stringify(version.authors),
      version.inserted,
      version.deleted,
      version.restoredFrom,
    ]);
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new InvalidHistoryError(`version id ${version.id} is taken`);
    throw error;
  }
}

/**
 * Writes a checked plan: segments after `after`, its versions, and the checkpoint holding
 * `snapshot`. Call inside the compaction's transaction, before it deletes the folded rows.
 */
export async function writeHistoryPlan(client: pg.PoolClient, room: string, plan: HistoryPlan, after: number, snapshot: Uint8Array | null): Promise<void> {
  // One statement at a time: a client runs its queries in order anyway.
  for (const [index, segment] of plan.segments.entries()) {
    await client.query(INSERT_SEGMENT, [
      room,
      after + 1 + index,
      segment.firstId,
      segment.lastId,
      segment.startedAt,
      segment.endedAt,
      bytea(segment.data),
      segment.attribution ? bytea(segment.attribution) : null,
      JSON.stringify(segment.authors),
      segment.inserted,
      segment.deleted,
    ]);
  }
  for (const version of plan.versions) await insertVersion(client, room, version);
  // A checked plan has a checkpoint only with segments, which only a fold brings.
  if (plan.checkpoint && snapshot) await client.query(INSERT_CHECKPOINT, [room, after + plan.segments.length, bytea(snapshot)]);
}

/** The HistoryStore half of PostgreSQL storage, over `pool`. */
export function createPostgresHistory(pool: pg.Pool): HistoryStore {
  return {
    async listVersions(room, { limit, before }) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidHistoryError(`a version list needs a positive limit, not ${limit}`);
      const { rows } =
        before === undefined
          ? await pool.query<VersionRow>(SELECT_VERSIONS, [room, limit])
          : await pool.query<VersionRow>(SELECT_VERSIONS_BEFORE, [room, limit, before]);
      return rows.map(toVersion);
    },
    async getVersion(room, id) {
      const { rows } = await pool.query<VersionRow>(SELECT_VERSION, [room, id]);
      return rows[0] ? toVersion(rows[0]) : null;
    },
    async addVersion(room, version) {
      // Segments are never removed, so the one checked here still exists when the row commits.
      checkVersion(version, await lastSeq(pool, room));
      await insertVersion(pool, room, version);
    },
    async renameVersion(room, id, name) {
      checkVersionName(name);
      const { rows } = await pool.query<VersionRow>(RENAME_VERSION, [room, id, name]);
      return rows[0] ? toVersion(rows[0]) : null;
    },
    lastSegmentSeq: (room) => lastSeq(pool, room),
    async loadHistory(room, seq) {
      checkSeq(seq);
      return loadHistoryPieces(pool, room, seq);
    },
    async loadSegments(room) {
      const { rows } = await pool.query<SegmentDataRow>(SELECT_SEGMENTS, [room]);
      return rows.map(toSegment);
    },
    async loadAuthorship(room) {
      const [bindings, authors, overrides] = await Promise.all([
        loadBindings(pool, room),
        pool.query<{ author_id: string; name: string; color: string }>(SELECT_AUTHORS, [room]),
        pool.query<{ client_id: string; clock: string; length: string; author_id: string }>(SELECT_OVERRIDES, [room]),
      ]);
      return {
        bindings,
        authors: authors.rows.map((row) => ({ id: row.author_id, name: row.name, color: row.color })),
        overrides: overrides.rows.map(
          (row): AttributionOverride => ({ clientId: Number(row.client_id), clock: Number(row.clock), length: Number(row.length), authorId: row.author_id }),
        ),
      };
    },
    async addAttributionOverrides(room, overrides) {
      checkAttributionOverrides(overrides);
      if (overrides.length === 0) return;
      await pool.query(INSERT_OVERRIDES, [
        room,
        overrides.map((override) => override.clientId),
        overrides.map((override) => override.clock),
        overrides.map((override) => override.length),
        overrides.map((override) => override.authorId),
      ]);
    },
    async getSettings(room) {
      const { rows } = await pool.query<{ history_visible_to_viewers: boolean; comments_visible_to_viewers: boolean }>(SELECT_SETTINGS, [room]);
      return { historyVisibleToViewers: rows[0]?.history_visible_to_viewers === true, commentsVisibleToViewers: rows[0]?.comments_visible_to_viewers === true };
    },
    async updateSettings(room, settings) {
      checkSettings(settings);
      await pool.query(UPSERT_SETTINGS, [room, settings.historyVisibleToViewers, settings.commentsVisibleToViewers]);
    },
    async lockRestore(room) {
      // A session lock on a client of its own, held for the restore's seconds; a process that
      // dies ends its session, which frees the lock.
      const client = await pool.connect();
      let locked = false;
      try {
        locked = (await client.query<{ locked: boolean }>(TRY_LOCK_RESTORE, [RESTORE_LOCK_CLASS, room])).rows[0].locked;
      } finally {
        if (!locked) client.release();
      }
      if (!locked) return null;
      // Checked out, the pool does not listen for its errors: a connection lost while the lock
      // is held would otherwise be an uncaught 'error' event. Its session, and the lock, are gone.
      let lost: Error | undefined;
      const onError = (error: Error) => (lost = error);
      client.on('error', onError);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        try {
          if (!lost) await client.query(UNLOCK_RESTORE, [RESTORE_LOCK_CLASS, room]);
        } catch (error) {
          lost = error as Error;
        } finally {
          client.off('error', onError);
          // Destroyed rather than pooled when broken: its session ends, and the lock with it.
          client.release(lost);
        }
      };
    },
  };
}
