/**
 * The storage contract every backend (SQLite, PostgreSQL, memory) fulfils. It speaks bytes:
 * a room is an append-only log of Yjs updates plus at most one compacted snapshot. Callers
 * never see SQL, and an implementation never needs to understand Yjs (but for merging the
 * rows of a compaction that got no history plan into one segment: history-plan.ts).
 */
import type { VersionKind } from '../../lib/protocol/history-api';

/** What a room holds in storage: its snapshot (if any) followed by the log after it. */
export interface StoredDocument {
  /** Updates to apply in order: the snapshot first, then every log entry after it. */
  updates: Uint8Array[];
  /** Position of the newest log entry (0 when the room has none). */
  head: number;
  /** Number of log entries not yet folded into the snapshot. */
  logLength: number;
  /** Every Yjs client id bound to an author in this room (history/authorship). */
  bindings: ClientBinding[];
}

/** A Yjs client id of a room and the author who first wrote with it. */
export interface ClientBinding {
  clientId: number;
  authorId: string;
}

/**
 * Clocks of a client id whose text is another author's: a restore re-creates earlier text as
 * new items under its own client id (bound to whoever restored), and these ranges give the
 * re-created copies back to the authors of the text they copy.
 */
export interface AttributionOverride {
  clientId: number;
  /** First clock of the range, and how many clocks it covers (at least 1). */
  clock: number;
  length: number;
  authorId: string;
}

/** What storage knows of who wrote what in a room (HistoryStore.loadAuthorship). */
export interface RoomAuthorshipRecords {
  bindings: ClientBinding[];
  /** The newest name and colour of each author. */
  authors: AuthorRecord[];
  /** Ordered by client id, then clock. */
  overrides: AttributionOverride[];
}

/** An author as they named themselves when they wrote (presence name and colour). */
export interface AuthorRecord {
  id: string;
  name: string;
  color: string;
}

/** Who wrote one log entry, and when: stored with it in the same commit. */
export interface AppendMeta {
  /** Server time (ms since the epoch) the entry was stored. */
  at: number;
  /** The authors whose messages the entry holds, with their names and colours at the time. */
  authors: AuthorRecord[];
  /**
   * Who deleted what in the entry (history/attribution.ts encodes it; opaque to storage);
   * null when the entry deletes nothing or its deletions have no known author.
   */
  attribution: Uint8Array | null;
  /** Client ids this entry binds for the first time (room_clients rows in the same commit). */
  bindings: ClientBinding[];
}

/** One log entry as compaction hands it to the history planner. */
export interface LogEntry {
  id: number;
  data: Uint8Array;
  at: number;
  authors: AuthorRecord[];
  attribution: Uint8Array | null;
}

export type { VersionKind };

/** One version: the document as it was at the end of history segment `seq`. */
export interface VersionRecord {
  id: string;
  kind: VersionKind;
  name: string | null;
  /** ms since the epoch. */
  createdAt: number;
  /** The last history segment the version includes. */
  seq: number;
  /** Authors who changed something since the previous version, as they were named then. */
  authors: AuthorRecord[];
  /** Characters inserted and deleted since the previous version. */
  inserted: number;
  deleted: number;
  /** For a `restore` version: the id of the version restored. */
  restoredFrom: string | null;
}

/** One immutable history segment: log entries merged losslessly (Y.mergeUpdates, v1). */
export interface HistorySegment {
  seq: number;
  firstId: number;
  lastId: number;
  startedAt: number;
  endedAt: number;
  data: Uint8Array;
  /** The merged attribution of its entries (history/attribution.ts), or null. */
  attribution: Uint8Array | null;
  authors: AuthorRecord[];
  inserted: number;
  deleted: number;
}

/** What storage knows of a room's history when compaction plans the next segments. */
export interface HistoryTail {
  /** Highest segment seq stored (0 when there is none: seqs start at 1). */
  lastSeq: number;
  /** The newest segment (null when there is none), for the planner to decide on continuing it. */
  lastSegment: Omit<HistorySegment, 'data' | 'attribution'> | null;
  /** The newest version (null when there is none). */
  lastVersion: VersionRecord | null;
  /** Segments stored after the newest checkpoint (all of them when there is none). */
  segmentsSinceCheckpoint: number;
  /**
   * The segments after the newest version (or all of them when there is no version), summed:
   * the stretch of editing the next version will cover too. Null when there are none.
   * `startedAt` is the first one's, `authors` the union by id with the newest name and colour.
   */
  openSince: OpenStretch | null;
}

/** Segments not yet covered by a version, summed (HistoryTail.openSince). */
export interface OpenStretch {
  startedAt: number;
  inserted: number;
  deleted: number;
  authors: AuthorRecord[];
}

/**
 * What one compaction adds to history, written in the compaction's transaction before any log
 * row is deleted: segments (seq = tail.lastSeq + 1 + index), versions ending at a planned or
 * an existing segment, and optionally a checkpoint (the compaction's new snapshot, which is
 * the full state at the last planned segment).
 */
export interface HistoryPlan {
  segments: Omit<HistorySegment, 'seq'>[];
  versions: VersionRecord[];
  checkpoint: boolean;
}

/** Decides how a compaction's log entries become history (server/history/planner.ts). */
export type PlanHistory = (entries: LogEntry[], tail: HistoryTail) => HistoryPlan | Promise<HistoryPlan>;

/** What materialising a version needs: the newest checkpoint at or before it, then segments. */
export interface HistoryPieces {
  /** Full state at segment `checkpoint.seq` (null: start from an empty document). */
  checkpoint: { seq: number; data: Uint8Array } | null;
  /** Segments after the checkpoint through the version's seq, in order. */
  segments: HistorySegment[];
}

/** The per-room settings an editor may change. */
export interface RoomSettings {
  /** Whether view links may read the room's history (off by default). */
  historyVisibleToViewers: boolean;
  /** Whether view links receive the room's comment threads (off by default). */
  commentsVisibleToViewers: boolean;
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
  /** The versions it wrote (the plan's), oldest first. */
  versions: VersionRecord[];
}

/**
 * The storage name of a room's comment log: room ids never hold '#', so no client can open
 * it, and storage knows it, so deleting a room removes its threads too.
 */
export const commentLogName = (room: string): string => `${room}#comments`;

/** An append in its two stages (DocumentLog.appendInStages). */
export interface StagedAppend {
  /**
   * Resolves with the update's position once it is written: it survives a crash of this
   * process (kill -9), not yet a power loss. Rejects if it could not be written.
   */
  written: Promise<number>;
  /**
   * Resolves once it is flushed as well: it survives power loss. Rejects if it could not be
   * written or flushed; then it is not known to be on disk, and must be written again to be.
   */
  flushed: Promise<void>;
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
   * Durably appends one update to the room's log and returns its position (the new head):
   * `appendInStages`, resolved once the update is flushed. Without `meta`: stored now, naming
   * no author.
   */
  append(room: string, update: Uint8Array, meta?: AppendMeta): Promise<number>;
  /**
   * Appends one update in two stages (flush pipelining): `written` once it survives a crash of
   * this process (kill -9), `flushed` once it survives power loss too. `meta`'s bindings and
   * authors are committed with it. Appends are written and flushed in the order they are made,
   * also across rooms: once one is flushed, so is every append written before it.
   */
  appendInStages(room: string, update: Uint8Array, meta?: AppendMeta): StagedAppend;
  /**
   * Folds everything stored for the room (snapshot, then log entries in order) into one
   * snapshot made by `fold`, atomically: the entries folded are removed, entries appended
   * meanwhile are kept. It folds what is in storage, not what a caller holds in memory, so
   * with several server instances writing one room nothing another instance stored is lost.
   * Compactions of one room never overlap (across processes where the backend is shared).
   * The folded entries become history in the same transaction, before they are removed:
   * `plan`'s segments, versions and checkpoint (refused, changing nothing, unless its segments
   * hold exactly the folded entries), or without `plan` one segment of them merged. With an
   * empty log and a plan, the plan is still asked (with no entries): the versions it returns
   * end at the newest stored segment (a named version of an unchanged document, the end of a
   * paused stretch); then the result has `folded: 0` and the snapshot is unchanged.
   * Resolves null when it wrote nothing (an empty log and no plan or no versions, or another
   * compaction of the room committed meanwhile); rejects, changing nothing, if `fold` or
   * `plan` throws.
   */
  compact(room: string, fold: FoldUpdates, plan?: PlanHistory): Promise<CompactionResult | null>;
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

/**
 * A room's history: immutable segments (what compaction folded, never deleted), versions,
 * checkpoints, client-id bindings, authors and attribution overrides. Only compaction writes segments.
 */
export interface HistoryStore {
  /** Versions newest first: at most `limit`, older than version `before` when given. */
  listVersions(room: string, options: { limit: number; before?: string }): Promise<VersionRecord[]>;
  /** One version, or null if the room has no such version. */
  getVersion(room: string, id: string): Promise<VersionRecord | null>;
  /** Adds a version at an existing segment (named, pre-restore, restore versions). */
  addVersion(room: string, version: VersionRecord): Promise<void>;
  /**
   * Names an existing version where it is (an automatic one becomes `named`; other kinds keep
   * theirs); returns it, or null if the room has no such version.
   */
  renameVersion(room: string, id: string, name: string): Promise<VersionRecord | null>;
  /** The newest stored segment's seq (0 when the room has no history yet). */
  lastSegmentSeq(room: string): Promise<number>;
  /** What materialising the state at segment `seq` needs. */
  loadHistory(room: string, seq: number): Promise<HistoryPieces>;
  /** Every segment of the room, in order (attribution views, tests). */
  loadSegments(room: string): Promise<HistorySegment[]>;
  /** Every client binding of the room, the newest name and colour of each author, and the attribution overrides. */
  loadAuthorship(room: string): Promise<RoomAuthorshipRecords>;
  /**
   * Stores attribution overrides (a restore's). Idempotent: a range whose (client id, clock)
   * is stored already keeps the author it has. Refuses, storing none, a malformed one.
   */
  addAttributionOverrides(room: string, overrides: readonly AttributionOverride[]): Promise<void>;
  getSettings(room: string): Promise<RoomSettings>;
  updateSettings(room: string, settings: RoomSettings): Promise<void>;
  /**
   * Takes the room's restore lock, held against every process sharing this storage (two
   * restores computed at once each re-create the deleted text: it would appear twice).
   * Resolves with its release, or null at once while someone else holds it.
   */
  lockRestore(room: string): Promise<(() => Promise<void>) | null>;
}

/** The links that lead to a room without naming it: view links and comment links. */
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
  /** The room's comment id, as ensureViewId (a separate id: a view link never grants commenting). */
  ensureCommentId(room: string, candidate: string): Promise<string>;
  /** Replaces the room's comment id with `next` (the old one stops resolving at once). */
  replaceCommentId(room: string, next: string): Promise<void>;
  /** The room a comment id belongs to, or null if no room has it (any more). */
  roomForCommentId(commentId: string): Promise<string | null>;
}

/** The ids a deleted room leaves refused: its own, and the view and comment ids it had then. */
export type TombstoneKind = 'room' | 'view' | 'comment';

/** One stored room as the admin command lists it (RoomCatalog.listRooms). */
export interface RoomSummary {
  room: string;
  /**
   * Bytes of everything stored under the room: its document (snapshot and log), its comment
   * threads (`<room>#comments`), and its history (segments and checkpoints).
   */
  bytes: number;
  /** Versions in its history. */
  versions: number;
  /** When its newest stored change was made (ms since the epoch); null when storage holds no time for it. */
  lastChangeAt: number | null;
}

/** What RoomCatalog.deleteRoom did. */
export interface DeletedRoom {
  /** Whether anything was stored under the room (document, threads, history, links, settings). */
  existed: boolean;
  /** When the room was deleted: this call's time, or the first deletion's when it was deleted before. */
  deletedAt: number;
}

/** How RoomCatalog.purgeHistory cuts a room's history. */
export interface HistoryPurge {
  /** Versions made before this time (ms since the epoch) go; null: every version. */
  before: number | null;
  /**
   * The document at the end of the pieces' last segment, as one update (history/materialise.ts):
   * the checkpoint the remaining history starts from. Storage itself never reads Yjs.
   */
  materialise: (pieces: HistoryPieces) => Uint8Array;
  /**
   * The version that replaces the removed ones: the state at segment `seq`, made at
   * `createdAt` (the newest removed version's time, or for a purge of everything the newest
   * segment's end). Its seq must be `seq`.
   */
  baseline: (cut: { seq: number; createdAt: number }) => VersionRecord;
}

/** What one purge removed and the version the remaining history now starts with. */
export interface PurgeResult {
  versionsRemoved: number;
  segmentsRemoved: number;
  checkpointsRemoved: number;
  /** The new oldest version (a checkpoint holds its state). */
  baseline: VersionRecord;
}

/**
 * The rooms as an administrator sees them (`npm run admin`): every stored room with its size,
 * removing a room for good (leaving a tombstone, so its ids are refused from then on), and
 * cutting old history. The servers read the tombstones too (upgrades, the API, and the rooms
 * they hold, which a deletion closes).
 */
export interface RoomCatalog {
  /** Every room that holds a document, ordered by id. */
  listRooms(): Promise<RoomSummary[]>;
  /**
   * Removes everything stored under the room, atomically: its document, comment threads,
   * history, versions, bindings, authors, attribution overrides, settings, links and images, and
   * records tombstones for the room id and the view and comment ids it had. Idempotent: a
   * room deleted again loses whatever was stored under it since (a server that had not heard
   * of the deletion yet) and keeps its first deletion time.
   */
  deleteRoom(room: string, at: number): Promise<DeletedRoom>;
  /** Which of `ids` (of one kind) are tombstoned: id → when its room was deleted. */
  tombstoned(kind: TombstoneKind, ids: readonly string[]): Promise<Map<string, number>>;
  /**
   * Removes the versions made before `purge.before` (every version when null) with the
   * segments and checkpoints only they needed, without touching the document: the newest
   * removed version's state becomes a checkpoint (unless one is there) and its place is taken
   * by `purge.baseline`, so every remaining version still materialises. Segments are kept from
   * that state's segment on, so later compactions continue the numbering. Resolves null,
   * changing nothing, when there is nothing to remove (no history, or no version that old).
   */
  purgeHistory(room: string, purge: HistoryPurge): Promise<PurgeResult | null>;
}

/** What storage keeps of one uploaded image besides its bytes. */
export interface ImageRecord {
  /** The unguessable id it is served by (random; never derived from the bytes). */
  id: string;
  room: string;
  /** Hex SHA-256 of the bytes: one stored copy per (room, sha256). */
  sha256: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  /** ms since the epoch. */
  createdAt: number;
}

/** What ImageStore.putImage did. */
export type PutImageResult =
  /** Stored now (`created`), or the copy already stored for these bytes in this room. */
  | { kind: 'stored'; image: ImageRecord; created: boolean }
  /** Refused, storing nothing: the room's images would exceed the quota (`used` bytes stored now). */
  | { kind: 'over_quota'; used: number };

/**
 * Uploaded images, kept with their room (rows keyed by room, so deleting the room removes
 * them). Deduplicated per room by content hash: the same bytes uploaded twice are one row with
 * one id.
 */
export interface ImageStore {
  /**
   * Stores the image unless the room holds these bytes already (then returns that copy, whatever
   * `image.id` says), atomically with the quota check: the room's stored images plus this one
   * must stay within `roomQuotaBytes` (0: no quota).
   */
  putImage(image: ImageRecord, data: Uint8Array, roomQuotaBytes: number): Promise<PutImageResult>;
  /** The image with that id and its bytes, or null. */
  getImage(id: string): Promise<{ image: ImageRecord; data: Uint8Array } | null>;
  /** Every image record of the room, oldest first (admin, tests). */
  listImages(room: string): Promise<ImageRecord[]>;
}

/** One backend (one database) holds them all: what openStorage() returns. */
export type DocumentStorage = DocumentLog & LinkStore & HistoryStore & RoomCatalog & ImageStore;
