/** URL path prefix under which WebSocket upgrades reach the sync server: `/sync/<room>`. */
export const SYNC_PATH = '/sync';

/** y-websocket top-level message types (first varuint of every frame). */
export const MessageType = {
  SYNC: 0,
  AWARENESS: 1,
  AUTH: 2,
  QUERY_AWARENESS: 3,
} as const;

/** y-protocols sync sub-types (second varuint of a SYNC frame). */
export const SyncMessageType = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const;
