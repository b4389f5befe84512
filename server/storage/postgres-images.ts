/**
 * The ImageStore half of PostgreSQL storage (types.ts): uploaded images as rows of
 * `room_images`, one per (room, content hash). An upload holds the room's image lock (a
 * transaction-scoped advisory lock) while it checks the quota and inserts, so uploads on
 * several instances at once can never both slip under the quota, nor store the same bytes twice.
 */
import type pg from 'pg';
import type { ImageRecord, ImageStore } from './types';

/** First key of the upload lock (the second is the room's hash). */
export const IMAGE_LOCK_CLASS = 0x696d6167; // "imag"

const COLUMNS = 'id, room, sha256, content_type, bytes, width, height, created_at';
const LOCK_ROOM_IMAGES = 'SELECT pg_advisory_xact_lock($1, hashtext($2))';
const SELECT_BY_HASH = `SELECT ${COLUMNS} FROM room_images WHERE room = $1 AND sha256 = $2`;
const SELECT_BY_ID = `SELECT ${COLUMNS}, data FROM room_images WHERE id = $1`;
const SELECT_ROOM_IMAGES = `SELECT ${COLUMNS} FROM room_images WHERE room = $1 ORDER BY created_at, id`;
const SELECT_ROOM_BYTES = 'SELECT COALESCE(SUM(bytes), 0)::bigint AS used FROM room_images WHERE room = $1';
const INSERT_IMAGE = `
  INSERT INTO room_images (id, room, sha256, content_type, bytes, width, height, created_at, data)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

interface ImageRow {
  id: string;
  room: string;
  sha256: string;
  content_type: string;
  bytes: string;
  width: number;
  height: number;
  created_at: string;
}

const toRecord = (row: ImageRow): ImageRecord => ({
  id: row.id,
  room: row.room,
  sha256: row.sha256,
  contentType: row.content_type,
  bytes: Number(row.bytes),
  width: row.width,
  height: row.height,
  createdAt: Number(row.created_at),
});

export interface PostgresImagesOptions {
  pool: pg.Pool;
  /** Runs `work` in one transaction on one pooled client (postgres.ts). */
  transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
}

export function createPostgresImages({ pool, transaction }: PostgresImagesOptions): ImageStore {
  return {
    putImage(image, data, roomQuotaBytes) {
      return transaction(async (client) => {
        await client.query(LOCK_ROOM_IMAGES, [IMAGE_LOCK_CLASS, image.room]);
        const existing = await client.query<ImageRow>(SELECT_BY_HASH, [image.room, image.sha256]);
        if (existing.rows[0]) return { kind: 'stored', image: toRecord(existing.rows[0]), created: false };
        const used = Number((await client.query<{ used: string }>(SELECT_ROOM_BYTES, [image.room])).rows[0].used);
        if (roomQuotaBytes > 0 && used + image.bytes > roomQuotaBytes) return { kind: 'over_quota', used };
        await client.query(INSERT_IMAGE, [
          image.id,
          image.room,
          image.sha256,
          image.contentType,
          image.bytes,
          image.width,
          image.height,
          image.createdAt,
          Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        ]);
        return { kind: 'stored', image: { ...image }, created: true };
      });
    },
    async getImage(id) {
      const { rows } = await pool.query<ImageRow & { data: Buffer }>(SELECT_BY_ID, [id]);
      if (!rows[0]) return null;
      return { image: toRecord(rows[0]), data: new Uint8Array(rows[0].data) };
    },
    async listImages(room) {
      const { rows } = await pool.query<ImageRow>(SELECT_ROOM_IMAGES, [room]);
      return rows.map(toRecord);
    },
  };
}
