/**
 * The ImageStore half of SQLite storage (types.ts): uploaded images as rows of `room_images`,
 * one per (room, content hash). The quota check and the insert run in one immediate
 * transaction, so two uploads at once can never both slip under the quota.
 */
import type Database from 'better-sqlite3';
import type { ImageRecord, ImageStore, PutImageResult } from './types';

const COLUMNS = 'id, room, sha256, content_type AS contentType, bytes, width, height, created_at AS createdAt';
const SELECT_BY_HASH = `SELECT ${COLUMNS} FROM room_images WHERE room = ? AND sha256 = ?`;
const SELECT_BY_ID = `SELECT ${COLUMNS}, data FROM room_images WHERE id = ?`;
const SELECT_ROOM_IMAGES = `SELECT ${COLUMNS} FROM room_images WHERE room = ? ORDER BY created_at, id`;
const SELECT_ROOM_BYTES = 'SELECT COALESCE(SUM(bytes), 0) AS used FROM room_images WHERE room = ?';
const INSERT_IMAGE = `
  INSERT INTO room_images (id, room, sha256, content_type, bytes, width, height, created_at, data)
  VALUES (@id, @room, @sha256, @contentType, @bytes, @width, @height, @createdAt, @data)`;

/** Prepares the image statements on `db` (migrated to version 7 or later). */
export function createSqliteImages(db: Database.Database): ImageStore {
  const selectByHash = db.prepare<[string, string], ImageRecord>(SELECT_BY_HASH);
  const selectById = db.prepare<[string], ImageRecord & { data: Buffer }>(SELECT_BY_ID);
  const selectRoomImages = db.prepare<[string], ImageRecord>(SELECT_ROOM_IMAGES);
  const selectRoomBytes = db.prepare<[string], { used: number }>(SELECT_ROOM_BYTES);
  const insertImage = db.prepare(INSERT_IMAGE);

  const put = db.transaction((image: ImageRecord, data: Uint8Array, quota: number): PutImageResult => {
    const existing = selectByHash.get(image.room, image.sha256);
    if (existing) return { kind: 'stored', image: existing, created: false };
    const used = selectRoomBytes.get(image.room)!.used;
    if (quota > 0 && used + image.bytes > quota) return { kind: 'over_quota', used };
    insertImage.run({ ...image, data: Buffer.from(data) });
    return { kind: 'stored', image: { ...image }, created: true };
  });

  return {
    async putImage(image, data, roomQuotaBytes) {
      return put.immediate(image, data, roomQuotaBytes);
    },
    async getImage(id) {
      const row = selectById.get(id);
      if (!row) return null;
      const { data, ...image } = row;
      return { image, data: new Uint8Array(data) };
    },
    async listImages(room) {
      return selectRoomImages.all(room);
    },
  };
}
