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
  /** The room's stored state could not be loaded; nothing was written; retry later. */
  ROOM_UNAVAILABLE: 4503,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

interface CloseCodeInfo {
  /** Short reason sent in the close frame (must stay under 123 bytes). */
  reason: string;
  /** Whether a client should reconnect after this close. */
  retryable: boolean;
}

/** What each close code means on the wire and to a client. */
export const CLOSE_CODE_INFO: Record<CloseCodeValue, CloseCodeInfo> = {
  [CloseCode.NORMAL]: { reason: 'normal closure', retryable: false },
  [CloseCode.MESSAGE_TOO_BIG]: { reason: 'message too big', retryable: false },
  [CloseCode.INTERNAL_ERROR]: { reason: 'internal error', retryable: true },
  [CloseCode.SERVICE_RESTART]: { reason: 'server restarting', retryable: true },
  [CloseCode.MALFORMED_MESSAGE]: { reason: 'malformed message', retryable: false },
  [CloseCode.ROOM_UNAVAILABLE]: { reason: 'room unavailable, retry later', retryable: true },
};
