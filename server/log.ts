/**
 * Structured JSON logs (pino). Never log tokens or document content: ids and sizes only. Room
 * and view ids are capabilities (in open mode the room id is the edit link), so logs carry
 * `roomLogId(id)` instead: whoever holds an id can find its lines, a log reader learns nothing.
 */
import { createHash } from 'node:crypto';
import pino from 'pino';
import { API_PREFIX } from '../lib/protocol/api-routes';
import { SYNC_PATH, VIEW_SYNC_PATH } from '../lib/protocol/sync-protocol';

export type Logger = pino.Logger;

/** A root logger writing JSON lines to stdout at `level`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'tandem' } });
}

/** Hex characters of SHA-256 kept: 64 bits, plenty to tell rooms apart in logs. */
const ROOM_LOG_ID_LENGTH = 16;

/** What logs say instead of a room or view id: a prefix of its SHA-256 (`printf %s "$id" | sha256sum`). */
export function roomLogId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, ROOM_LOG_ID_LENGTH);
}

/** A request path fit for logs: the id after `/sync/`, `/sync/view/` or `/api/rooms/` hashed, at most 200 characters. */
export function pathForLog(pathname: string): string {
  const match = new RegExp(`^(${VIEW_SYNC_PATH}/|${SYNC_PATH}/|${API_PREFIX}/rooms/)([^/]*)(.*)$`).exec(pathname);
  const path = match ? `${match[1]}${roomLogId(match[2])}${match[3]}` : pathname;
  return path.slice(0, 200);
}
