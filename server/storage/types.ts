/**
 * The storage contract every backend (SQLite, PostgreSQL, memory) fulfils. It speaks bytes:
 * a room is an append-only log of Yjs updates plus at most one compacted snapshot. Callers
 * never see SQL, and an implementation never needs to understand Yjs.
 */

/** What a room holds in storage: its snapshot (if any) followed by the log after it. */
export interface StoredDocument {
  /** Updates to apply in order: the snapshot first, then every log entry after it. */
  updates: Uint8Array[];
  /** Position of the newest log entry (0 when the room has none). */
  head: number;
  /** Number of log entries not yet folded into the snapshot. */
  logLength: number;
}

export interface DocumentStorage {
  /** Human-readable backend name for logs, e.g. "sqlite". */
  readonly kind: string;
  /** Reads a room's stored state. Throws if storage is unreachable or a row is unreadable. */
  load(room: string): Promise<StoredDocument>;
  /**
   * Durably appends one update to the room's log and returns its position (the new head).
   * When the promise resolves the update survives a crash of this process.
   */
  append(room: string, update: Uint8Array): Promise<number>;
  /**
   * Replaces the log entries at or before `throughHead` with `snapshot`, atomically. Entries
   * appended after `throughHead` are kept. A stale call (older than the stored snapshot) is
   * ignored, so a slow compaction can never roll a room back. Returns whether it applied.
   */
  compact(room: string, snapshot: Uint8Array, throughHead: number): Promise<boolean>;
  /**
   * The room's view id: the stored one, or `candidate` if the room has none yet (stored
   * atomically, so concurrent callers agree on one id).
   */
  ensureViewId(room: string, candidate: string): Promise<string>;
  /** Replaces the room's view id with `next` (the old one stops resolving at once). */
  replaceViewId(room: string, next: string): Promise<void>;
  /** The room a view id belongs to, or null if no room has it (any more). */
  roomForViewId(viewId: string): Promise<string | null>;
  /** Resolves when storage is reachable (readiness checks). */
  ping(): Promise<void>;
  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}
