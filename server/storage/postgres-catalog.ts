/**
 * The RoomCatalog half of PostgreSQL storage (types.ts): every stored room with its size,
 * deleting a room for good (tombstones in `room_tombstones`), and purging old history. A purge
 * holds the room's compaction lock, so no instance compacts the room meanwhile.
 */
import type pg from 'pg';
import { checkBaseline, purgeCut } from './history-plan';
import { COMPACTION_LOCK_CLASS, loadHistoryPieces } from './postgres-history';
import { ROOM_TABLES } from './room-tables';
import { commentLogName, PROBE_ROOM, type RoomCatalog, type TombstoneKind } from './types';

// Rooms holding a document; their comment logs (`<room>#comments`) and the probe room are not rooms.
const SELECT_ROOMS = `
  WITH rooms AS (SELECT room FROM room_snapshots UNION SELECT room FROM room_updates)
  SELECT r.room,
    (COALESCE((SELECT SUM(octet_length(data)) FROM room_snapshots WHERE room IN (r.room, r.room || '#comments')), 0)
    + COALESCE((SELECT SUM(octet_length(data)) FROM room_updates WHERE room IN (r.room, r.room || '#comments')), 0)
    + COALESCE((SELECT SUM(octet_length(data) + COALESCE(octet_length(attribution), 0)) FROM room_history_segments WHERE room = r.room), 0)
    + COALESCE((SELECT SUM(octet_length(data)) FROM room_history_checkpoints WHERE room = r.room), 0))::bigint AS bytes,
    (SELECT COUNT(*) FROM room_versions WHERE room = r.room)::integer AS versions,
    GREATEST(COALESCE((SELECT MAX(at) FROM room_updates WHERE room = r.room), 0),
             COALESCE((SELECT MAX(ended_at) FROM room_history_segments WHERE room = r.room), 0))::bigint AS last_change_at
  FROM rooms r WHERE r.room <> $1 AND position('#' in r.room) = 0 ORDER BY r.room COLLATE "C"`;
const DELETE_ROOM_ROWS = ROOM_TABLES.map((table) => `DELETE FROM ${table} WHERE room = ANY($1::text[])`);
// The view and comment ids the room has as it goes, read in the deleting transaction.
const SELECT_LINK_IDS = `
  SELECT (SELECT view_id FROM room_views WHERE room = $1) AS view_id,
         (SELECT comment_id FROM room_comment_links WHERE room = $1) AS comment_id`;
const INSERT_TOMBSTONES = `
  INSERT INTO room_tombstones (kind, id, deleted_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT (kind, id) DO NOTHING`;
const SELECT_TOMBSTONE = "SELECT deleted_at FROM room_tombstones WHERE kind = 'room' AND id = $1";
const SELECT_TOMBSTONES = 'SELECT id, deleted_at FROM room_tombstones WHERE kind = $1 AND id = ANY($2::text[])';
const LOCK_ROOM = 'SELECT pg_advisory_xact_lock($1, hashtext($2))';
const SELECT_VERSION_TIMES = 'SELECT id, seq, created_at FROM room_versions WHERE room = $1';
const SELECT_LAST_SEGMENT_END = 'SELECT seq, ended_at FROM room_history_segments WHERE room = $1 ORDER BY seq DESC LIMIT 1';
const DELETE_VERSIONS = 'DELETE FROM room_versions WHERE room = $1 AND id = ANY($2::text[])';
const DELETE_SEGMENTS_BEFORE = 'DELETE FROM room_history_segments WHERE room = $1 AND seq < $2';
const DELETE_CHECKPOINTS_BEFORE = 'DELETE FROM room_history_checkpoints WHERE room = $1 AND seq < $2';
const INSERT_CHECKPOINT = 'INSERT INTO room_history_checkpoints (room, seq, data) VALUES ($1, $2, $3) ON CONFLICT (room, seq) DO NOTHING';
const INSERT_VERSION = `
  INSERT INTO room_versions (id, room, seq, kind, name, created_at, authors, inserted, deleted, restored_from)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

interface RoomRow { room: string; bytes: string; versions: number; last_change_at: string }

export interface PostgresCatalogOptions {
  pool: pg.Pool;
  /** Runs `work` in one transaction on one pooled client (postgres.ts). */
  transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
}

const bytea = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function createPostgresCatalog({ pool, transaction }: PostgresCatalogOptions): RoomCatalog {
  return {
    async listRooms() {
      const { rows } = await pool.query<RoomRow>(SELECT_ROOMS, [PROBE_ROOM]);
      return rows.map((row) => ({
        room: row.room,
        bytes: Number(row.bytes),
        versions: row.versions,
        lastChangeAt: Number(row.last_change_at) > 0 ? Number(row.last_change_at) : null,
      }));
    },
    deleteRoom(room, at) {
      return transaction(async (client) => {
        // After a compaction of the room in flight, so it cannot write its snapshot back later.
        await client.query(LOCK_ROOM, [COMPACTION_LOCK_CLASS, room]);
        const links = (await client.query<{ view_id: string | null; comment_id: string | null }>(SELECT_LINK_IDS, [room])).rows[0];
        let removed = 0;
        for (const sql of DELETE_ROOM_ROWS) removed += (await client.query(sql, [[room, commentLogName(room)]])).rowCount ?? 0;
        const tombstones: [TombstoneKind, string][] = [['room', room]];
        if (links.view_id) tombstones.push(['view', links.view_id]);
        if (links.comment_id) tombstones.push(['comment', links.comment_id]);
        await client.query(INSERT_TOMBSTONES, [tombstones.map(([kind]) => kind), tombstones.map(([, id]) => id), tombstones.map(() => at)]);
        const { rows } = await client.query<{ deleted_at: string }>(SELECT_TOMBSTONE, [room]);
        return { existed: removed > 0, deletedAt: Number(rows[0].deleted_at) };
      });
    },
    async tombstoned(kind, ids) {
      if (ids.length === 0) return new Map();
      const { rows } = await pool.query<{ id: string; deleted_at: string }>(SELECT_TOMBSTONES, [kind, ids]);
      return new Map(rows.map((row) => [row.id, Number(row.deleted_at)]));
    },
    purgeHistory(room, purge) {
      return transaction(async (client) => {
        // No instance compacts the room meanwhile: segments, versions and checkpoints hold still.
        await client.query(LOCK_ROOM, [COMPACTION_LOCK_CLASS, room]);
        const [versions, last] = await Promise.all([
          client.query<{ id: string; seq: number; created_at: string }>(SELECT_VERSION_TIMES, [room]),
          client.query<{ seq: number; ended_at: string }>(SELECT_LAST_SEGMENT_END, [room]),
        ]);
        const lastSegment = last.rows[0] ? { seq: last.rows[0].seq, endedAt: Number(last.rows[0].ended_at) } : null;
        const cut = purgeCut(
          versions.rows.map((row) => ({ id: row.id, seq: row.seq, createdAt: Number(row.created_at) })),
          lastSegment,
          purge.before,
        );
        if (!cut) return null;
        const pieces = await loadHistoryPieces(client, room, cut.seq);
        const baseline = checkBaseline(purge.baseline({ seq: cut.seq, createdAt: cut.createdAt }), cut.seq);
        if (pieces.checkpoint?.seq !== cut.seq) await client.query(INSERT_CHECKPOINT, [room, cut.seq, bytea(purge.materialise(pieces))]);
        await client.query(DELETE_VERSIONS, [room, cut.removed]);
        const segments = await client.query(DELETE_SEGMENTS_BEFORE, [room, cut.seq]);
        const checkpoints = await client.query(DELETE_CHECKPOINTS_BEFORE, [room, cut.seq]);
        await client.query(INSERT_VERSION, [
          baseline.id,
          room,
          baseline.seq,
          baseline.kind,
          baseline.name,
          baseline.createdAt,
          JSON.stringify(baseline.authors),
          baseline.inserted,
          baseline.deleted,
          baseline.restoredFrom,
        ]);
        return { versionsRemoved: cut.removed.length, segmentsRemoved: segments.rowCount ?? 0, checkpointsRemoved: checkpoints.rowCount ?? 0, baseline };
      });
    },
  };
}
