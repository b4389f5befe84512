/**
 * The messages of the log lines that tests (and whoever alerts on logs) match on, named once.
 * A message is part of what an operator reads, so rewording one here is a visible change to
 * every emitter and test at once instead of a silent mismatch. Values are the exact strings
 * the server logs.
 */
export const LogMessage = {
  /** process.ts: the port is bound; carries port, mode, storage, auth and instance. */
  listening: 'listening',
  /** process.ts: the first stop request (signal, or the supervisor gone) starts the graceful stop. */
  shuttingDown: 'shutting down',
  /** process.ts: every write is stored and every socket closed; the process exits 0. */
  stopped: 'stopped',
  shutdownTimedOut: 'shutdown timed out; exiting',
  /** process.ts: a second stop request during the shutdown; pending writes are not waited for. */
  stoppedAtOnce: 'second stop request during shutdown: exiting at once without waiting for pending writes',
  /** A connection passed the upgrade and joined its room. */
  connected: 'connected',
  roomUnloaded: 'room unloaded',
  roomCompacted: 'room compacted',
  roomLoadFailed: 'room load failed; closing with a retryable code',
  roomDocBroken: 'an update broke the room doc mid-apply; reloading it from storage',
  storageKeptFailing: 'storage kept failing; closed the room (4504), its clients keep their changes',
  appendRetrying: 'storage append failed; retrying',
  flushFailed: 'storage flush failed; giving up on this room (4504), its clients keep their unacknowledged changes',
  guardDroppedAtLoad:
    'stored content the document guard refuses was dropped at load; compacting so storage holds the repaired document',
  compactionLockWait: 'compaction waits for another one of this room to finish',
  malformedFrame: 'malformed frame; closing',
  frameTooBig: 'frame over MAX_MESSAGE_BYTES refused',
  messageTimeout: 'message not completed within MESSAGE_ASSEMBLY_TIMEOUT_MS; closing',
  overRateLimit: 'over rate limit; closing',
  roomFull: 'room full; closing',
  tooManyRooms: 'too many loaded rooms; closing',
  memoryPressure: 'heap above ROOM_LOAD_HEAP_LIMIT_PERCENT; not loading another room',
  noHandshake: 'no handshake; closing',
  documentTooBig: 'update would exceed MAX_DOCUMENT_BYTES; closing',
  tokenExpired: 'token expired; closing',
  upgradeRefused: 'upgrade refused',
  readinessFailed: 'readiness check failed',
  viewLinkRotated: 'view link rotated',
  /** image-api.ts: an uploaded image was stored (not logged for a copy already stored); carries room, bytes, type. */
  imageStored: 'image stored',
  /** image-api.ts: an upload was refused; carries room and the error code. */
  imageRefused: 'image upload refused',
  roomDeleted: 'room deleted by an administrator; closed its connections (4404) and removed what it held',
  deletionCheckFailed: 'could not read deleted rooms from storage; trying again',
  commentLinkRotated: 'comment link rotated',
  redisUnreachable: 'redis unreachable; serving local clients, healing when it returns',
  redisReachableAgain: 'redis reachable again; resubscribing and healing',
  foreignClientIdDropped: "dropped the structs an update wrote under another author's client ids",
  versionCreated: 'version created',
  restoreApplied: 'version restored',
  restoredAuthorsLost: "a restore's attribution overrides could not be stored; its re-created text shows as the restorer's",
} as const;

/** One of the messages above (helpers that take a message use it, so callers pass a constant). */
export type LogMessageText = (typeof LogMessage)[keyof typeof LogMessage];
