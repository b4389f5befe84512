/** URL path prefix under which WebSocket upgrades reach the sync server: `/sync/<room>`. */
export const SYNC_PATH = '/sync';

/**
 * Read-only connections by view id: `/sync/view/<viewId>`. A browser passes
 * `${syncUrl}/view` as the provider's server URL and the view id as its room name.
 */
export const VIEW_SYNC_PATH = `${SYNC_PATH}/view`;

/**
 * Comment connections by comment id: `/sync/comment/<commentId>`, read-only for the document
 * like a view connection (a browser passes `${syncUrl}/comment` as the provider's server URL).
 */
export const COMMENT_SYNC_PATH = `${SYNC_PATH}/comment`;

/** Query parameter carrying the JWT in token mode (`?token=<jwt>`). */
export const TOKEN_PARAM = 'token';

/**
 * Top-level message types (first varuint of every frame): 0–3 are y-websocket's; Tandem's own
 * start at 100 and are only sent to clients that asked for them with a query parameter.
 */
export const MessageType = {
  SYNC: 0,
  AWARENESS: 1,
  AUTH: 2,
  QUERY_AWARENESS: 3,
  /**
   * Server → client, Tandem's durable acknowledgement: `[100, varuint N]` means the first N
   * document messages (sync step 2 and update frames) this connection sent are in storage.
   */
  SAVED: 100,
  /**
   * Server → client, to clients that asked with `?comments=1` (lib/protocol/comments.ts):
   * `[101, varuint kind, varuint8array update]`, a Yjs update of the room's comment threads,
   * the whole state on join (kind 0) and each stored change after (kind 1).
   */
  COMMENTS: 101,
  /**
   * Client → server and back, for clients that asked with `?comments=1`: a comment operation
   * `[102, varuint requestId, varstring JSON op]`, answered `[102, requestId, varstring JSON
   * result]` (lib/protocol/comments.ts).
   */
  COMMENT_OP: 102,
} as const;

/** Query parameter (`?acks=1`) with which a client asks for SAVED acknowledgements. */
export const SAVED_ACKS_PARAM = 'acks';

/** y-protocols sync sub-types (second varuint of a SYNC frame). */
export const SyncMessageType = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const;
