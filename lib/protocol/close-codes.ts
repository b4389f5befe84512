/**
 * WebSocket close codes the sync server uses, shared with the browser so the UI can explain a
 * disconnect. 1xxx are standard (RFC 6455); 4xxx are Tandem's own, modelled on HTTP statuses:
 * the stock y-websocket client treats 4400–4499 as final (it stops reconnecting) and retries
 * everything else, so "the client is wrong" codes live in 44xx and "try again" codes elsewhere.
 */
export const CloseCode = {
  /** Normal closure. */
  NORMAL: 1000,
  /** The frame was larger than MAX_MESSAGE_BYTES (sent by `ws` itself when maxPayload trips). */
  MESSAGE_TOO_BIG: 1009,
  /** An unexpected server error; the client should reconnect. */
  INTERNAL_ERROR: 1011,
  /** The server is restarting (graceful shutdown); the client should reconnect. */
  SERVICE_RESTART: 1012,
  /** The frame could not be decoded as a y-websocket message, or held an invalid update. */
  MALFORMED_MESSAGE: 4400,
  /** The connection's token expired; fetch a new one and reconnect. */
  TOKEN_EXPIRED: 4401,
  /** A view-only connection kept sending document changes (stock viewers never send any). */
  READ_ONLY_WRITES: 4403,
  /**
   * The document was deleted by an administrator (`npm run admin -- delete`): every id that led
   * to it is refused from then on, and a browser drops its offline copy instead of sending it.
   */
  DOCUMENT_DELETED: 4404,
  /** The client opened the socket but did not start the sync handshake in time. */
  HANDSHAKE_TIMEOUT: 4408,
  /** The view link this connection used was rotated; it no longer grants access. */
  VIEW_LINK_REVOKED: 4410,
  /** The update would make the document larger than MAX_DOCUMENT_BYTES. */
  DOCUMENT_TOO_LARGE: 4413,
  /** The connection sent updates or presence faster than its rate limit allows. */
  RATE_LIMITED: 4429,
  /** The room's stored state could not be loaded; nothing was written; retry later. */
  ROOM_UNAVAILABLE: 4503,
  /** Storage has been failing to store this room's changes; they stay on the client; retry later. */
  STORAGE_UNAVAILABLE: 4504,
  /** The server's storage is full (MAX_STORAGE_BYTES or the free-space floor); retry later. */
  STORAGE_FULL: 4507,
  /** The server holds MAX_LOADED_ROOMS rooms already; retry later. */
  SERVER_BUSY: 4508,
  /** The room has MAX_CONNECTIONS_PER_ROOM connections already; retry later. */
  ROOM_FULL: 4509,
  /** The client read too slowly: the server held more unsent bytes for it than it allows. */
  SEND_BUFFER_FULL: 4513,
  /** A message was started but not finished in time (MESSAGE_ASSEMBLY_TIMEOUT_MS). */
  MESSAGE_TIMEOUT: 4524,
  /** This client address holds its share of connections or loaded rooms already; retry later. */
  TOO_MANY_CONNECTIONS: 4529,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

interface CloseCodeInfo {
  /** Short reason sent in the close frame (must stay under 123 bytes). */
  reason: string;
  /**
   * Whether the client reconnects on its own after this close. Tandem's pages decide by this
   * (lib/client/connection-state.ts shouldReconnect); it matches the stock y-websocket client,
   * which treats exactly 4400–4499 as final, so both kinds of client behave alike.
   */
  retryable: boolean;
  /**
   * The editor's save status after this close ends "Not saved — <this>"; absent: an ordinary
   * disconnect, shown as offline.
   */
  notSavedBecause?: string;
  /**
   * Only a stored change ends the "Not saved" this close set: after it a reconnect and sync
   * prove nothing (the server may accept the socket and still be unable to store).
   */
  notSavedUntilStored?: true;
  /**
   * For a final close, what a viewer is told instead of ENDED_BY_SERVER_NOTICE; null: nothing,
   * because the page recovers by itself (the token keeper reconnects after 4401).
   */
  viewerNotice?: string | null;
}

/** What a viewer is told after a final close whose code has no viewerNotice of its own. */
export const ENDED_BY_SERVER_NOTICE = 'The server ended this connection. Reload the page to try again.';

/** What a viewer is told when their view link was rotated away (4410, or a refused token). */
export const VIEW_LINK_REVOKED_NOTICE = 'This view link no longer works. Ask for a new one.';

/** What anyone is told once their document was deleted (4404). */
export const DOCUMENT_DELETED_NOTICE = 'This document was deleted.';

/** The same for a comment link (4410 closes commenters too: one code for a rotated link). */
export const COMMENT_LINK_REVOKED_NOTICE = 'This comment link no longer works. Ask for a new one.';

/** What each close code means on the wire and to a client. */
export const CLOSE_CODE_INFO: Record<CloseCodeValue, CloseCodeInfo> = {
  [CloseCode.NORMAL]: { reason: 'normal closure', retryable: true },
  [CloseCode.MESSAGE_TOO_BIG]: {
    reason: 'message too big',
    retryable: true,
    notSavedBecause: 'a change is too large for the server',
  },
  [CloseCode.INTERNAL_ERROR]: { reason: 'internal error', retryable: true },
  [CloseCode.SERVICE_RESTART]: { reason: 'server restarting', retryable: true },
  [CloseCode.MALFORMED_MESSAGE]: {
    reason: 'malformed message',
    retryable: false,
    notSavedBecause: 'the server rejected a message from this editor',
  },
  [CloseCode.TOKEN_EXPIRED]: { reason: 'token expired', retryable: false, viewerNotice: null },
  [CloseCode.READ_ONLY_WRITES]: { reason: 'read-only link: changes are not accepted', retryable: false },
  [CloseCode.DOCUMENT_DELETED]: { reason: 'this document was deleted', retryable: false, viewerNotice: DOCUMENT_DELETED_NOTICE },
  [CloseCode.HANDSHAKE_TIMEOUT]: { reason: 'handshake timeout', retryable: false },
  [CloseCode.VIEW_LINK_REVOKED]: { reason: 'view link revoked', retryable: false, viewerNotice: VIEW_LINK_REVOKED_NOTICE },
  [CloseCode.DOCUMENT_TOO_LARGE]: {
    reason: 'document too large',
    retryable: false,
    notSavedBecause: 'the document has reached the server’s size limit',
  },
  [CloseCode.RATE_LIMITED]: {
    reason: 'rate limit exceeded',
    retryable: false,
    notSavedBecause: 'changes arrived faster than the server accepts; reload to continue',
  },
  [CloseCode.ROOM_UNAVAILABLE]: {
    reason: 'room unavailable, retry later',
    retryable: true,
    notSavedBecause: 'the server cannot open this document right now; retrying',
  },
  [CloseCode.STORAGE_UNAVAILABLE]: {
    reason: 'the server cannot store changes, retry later',
    retryable: true,
    notSavedBecause: 'the server cannot store changes; they are kept on this device, retrying',
    notSavedUntilStored: true,
  },
  [CloseCode.STORAGE_FULL]: {
    reason: 'server storage full, retry later',
    retryable: true,
    notSavedBecause: 'the server’s storage is full; changes are kept on this device, retrying',
    notSavedUntilStored: true,
  },
  [CloseCode.SERVER_BUSY]: { reason: 'server busy, retry later', retryable: true, notSavedBecause: 'the server is busy; retrying' },
  [CloseCode.ROOM_FULL]: {
    reason: 'room full, retry later',
    retryable: true,
    notSavedBecause: 'too many people are in this document; retrying',
  },
  [CloseCode.SEND_BUFFER_FULL]: {
    reason: 'too slow to receive, reconnect',
    retryable: true,
    notSavedBecause: 'the connection is too slow; reconnecting',
  },
  [CloseCode.MESSAGE_TIMEOUT]: {
    reason: 'message not completed in time',
    retryable: true,
    notSavedBecause: 'a change took too long to send; retrying',
  },
  [CloseCode.TOO_MANY_CONNECTIONS]: {
    reason: 'too many connections from this address, retry later',
    retryable: true,
    notSavedBecause: 'too many open documents from this network; retrying',
  },
};

/** The table's entry for a code received from the network, or undefined for codes it lacks. */
export function closeCodeInfo(code: number): CloseCodeInfo | undefined {
  return Object.hasOwn(CLOSE_CODE_INFO, code) ? CLOSE_CODE_INFO[code as CloseCodeValue] : undefined;
}
