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

/** Merges a room's stored updates (snapshot first, then the log) into one snapshot (maybe on another thread). */
export type FoldUpdates = (updates: Uint8Array[]) => Uint8Array | Promise<Uint8Array>;

/** What one compaction did. */
export interface CompactionResult {
  /** Log entries folded into the new snapshot (and removed from the log). */
  folded: number;
  /** Bytes of those log entries. */
  foldedBytes: number;
  /** Bytes of the new snapshot. */
  snapshotBytes: number;
  /** Whether it had to wait for another compaction of the same room to finish first. */
  waitedForLock: boolean;
}

/** The room name of write probes: room ids are never empty, so no client can open it. */
export const PROBE_ROOM = '';

/** A room's document as storage holds it: the append-only log of updates and its snapshot. */
export interface DocumentLog {
  /** Human-readable backend name for logs, e.g. "sqlite". */
  readonly kind: string;
  /** Reads a room's stored state. Throws if storage is unreachable or a row is unreadable. */
  load(room: string): Promise<StoredDocument>;
  /** Whether anything is stored for the room, without reading it (one indexed lookup). */
  holdsRoom(room: string): Promise<boolean>;
  /**
   * Durably appends one update to the room's log and returns its position (the new head).
   * When the promise resolves the update survives a crash of this process.
   */
  append(room: string, update: Uint8Array): Promise<number>;
  /**
   * Folds everything stored for the room (snapshot, then log entries in order) into one
   * snapshot made by `fold`, atomically: the entries folded are removed, entries appended
   * meanwhile are kept. It folds what is in storage, not what a caller holds in memory, so
   * with several server instances writing one room nothing another instance stored is lost.
   * Compactions of one room never overlap (across processes where the backend is shared).
   * Resolves null when the log is empty (nothing to fold); rejects, changing nothing, if
   * `fold` throws.
   */
  compact(room: string, fold: FoldUpdates): Promise<CompactionResult | null>;
  /** Resolves when storage is reachable (readiness checks). Reads only: see probeWrite(). */
  ping(): Promise<void>;
  /**
   * Resolves once storage takes a write: a probe row is written and removed in one committed
   * transaction (under the room name `PROBE_ROOM`, which no client can name). For readiness
   * after appends failed, when no client is left to show that writes work again.
   */
  probeWrite(): Promise<void>;
  /** Bytes Tandem's data takes in storage (rows and indexes), for MAX_STORAGE_BYTES. */
  usedBytes(): Promise<number>;
  /**
   * Bytes free for the database on its filesystem (what an unprivileged writer may use), for
   * MIN_FREE_DISK_BYTES; null when storage is not a local file (PostgreSQL, memory).
   */
  freeDiskBytes(): Promise<number | null>;
  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}

/** The links that lead to a room without naming it: view links today, comment links next. */
export interface LinkStore {
  /**
   * The room's view id: the stored one, or `candidate` if the room has none yet (stored
   * atomically, so concurrent callers agree on one id).
   */
  ensureViewId(room: string, candidate: string): Promise<string>;
  /** Replaces the room's view id with `next` (the old one stops resolving at once). */
  replaceViewId(room: string, next: string): Promise<void>;
  /** The room a view id belongs to, or null if no room has it (any more). */
  roomForViewId(viewId: string): Promise<string | null>;
}

/** One backend (one database) holds both: what openStorage() returns. */
export type DocumentStorage = DocumentLog & LinkStore;
