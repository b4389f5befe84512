/**
 * One live document: its Y.Doc, the connections in it and their presence (presence.ts), and
 * the dispatch of their messages. The promise it keeps, through durable-writer.ts: nothing of
 * the document leaves the server before it is stored. Who may send what is admission.ts's;
 * what is sent, broadcast.ts's; how much is stored and when it is folded, compaction.ts's.
 */
import * as Y from 'yjs';
import { CloseCode, type CloseCodeValue } from '../../lib/protocol/close-codes';
import { DEFAULT_CONFIG } from '../config';
import type { Connection } from '../connection';
import { editsDocument } from '../auth';
import { countStructs, repairDocument, type DocumentLimits } from '../document-guard';
import { roomLogId, type Logger } from '../log';
import type { Metrics } from '../metrics';
import { encodePermissionDenied, encodeSyncStep1, type ClientMessage } from '../protocol';
import { createHistoryPlanner, VERSION_PAUSE_MS, type HistoryPlanner, type VersionCut } from '../history/planner';
import { newVersionId } from '../history/version-id';
import type { AuthorRecord, ClientBinding, DocumentLog, StoredDocument, VersionRecord } from '../storage';
import { StorageHealth } from '../storage-health';
import { admitUpdate, IGNORED } from './admission';
import { Broadcast, NOBODY } from './broadcast';
import { Compaction } from './compaction';
import { RoomAuthorship } from './authorship';
import { DurableWriter, type StoredBatch, type WriteOrigin } from './durable-writer';
import { RoomPresence } from './presence';
import { RoomHistory } from './room-history';
import type { WriteTurn } from './write-turn';
import { LogMessage } from '../log-messages';
import { RoomComments } from '../comments/room-comments';
import type { CommentOpMessage } from '../comments/wire';

export interface RoomOptions {
  name: string;
  storage: DocumentLog;
  logger: Logger;
  metrics: Metrics;
  /** Log entries after which the room compacts itself in the background. */
  compactAfterUpdates: number;
  /** Largest stored size (snapshot + log) the document may reach. */
  maxDocumentBytes: number;
  /** Root names, nesting depth and struct count the document may reach (document-guard.ts). */
  limits: DocumentLimits;
  /**
   * Called when an update made Yjs throw mid-apply: the doc can no longer be trusted, so the
   * registry closes everyone (retryably) and reloads the room from storage.
   */
  onCorrupted?: (room: Room) => void;
  /** Presence client ids one connection may introduce (MAX_PRESENCE_IDS_PER_CONNECTION). */
  maxPresenceIdsPerConnection?: number;
  /** Presence bytes the room holds at most (MAX_PRESENCE_BYTES_PER_ROOM). */
  maxPresenceBytesPerRoom?: number;
  /** The process's storage quota, queued-bytes cap and append-failure record (storage-health.ts). */
  storageHealth?: StorageHealth;
  /**
   * Called when appends kept failing for STORAGE_FAILURE_TIMEOUT_MS and the room gave up: the
   * registry closes everyone (4504) and drops the room; the default does that itself.
   */
  onStorageFailed?: (room: Room) => void;
  /** The write turn the room's batches join (one per process unless told). */
  writeTurn?: WriteTurn;
  /** How compaction turns the log into history (one per process unless told). */
  historyPlanner?: HistoryPlanner;
  /** Editing pause after which a version is made (VERSION_PAUSE_MS unless told). */
  versionPauseMs?: number;
  /** Comment limits and whether viewers see comments (DEFAULT_CONFIG's and never, unless told). */
  comments?: RoomCommentSettings;
}

/** What a room's comment threads take from the configuration and the room's settings. */
export interface RoomCommentSettings {
  maxThreads: number;
  opRatePerSecond: number;
  opBurst: number;
  /** Whether the room currently lets view connections see comments. */
  visibleToViewers: () => Promise<boolean>;
}

/** Receives a change of the room's own clients once it is stored, with the client ids it bound. */
export type StoredListener = (change: Uint8Array, bindings: readonly ClientBinding[]) => void;

/** Sent to view-only connections on join and whenever they try to write. */
export const READ_ONLY = encodePermissionDenied('read-only: this link can view but not edit');

/** Origin of changes applied from other server instances. */
const REMOTE_ORIGIN = Symbol('remote instance');

export class Room {
  readonly name: string;
  /** The live document; `gc: true`, so deleted text is never sent to anyone. */
  readonly doc: Y.Doc;
  /** Who is here: presence, owned per connection (presence.ts). */
  readonly presence: RoomPresence;
  /** Who may write with which client ids, and who wrote what (authorship.ts). */
  readonly authorship: RoomAuthorship;
  /** Comment threads, written by the server alone (comments/room-comments.ts). */
  readonly comments: RoomComments;
  private readonly log: Logger;
  private readonly maxDocumentBytes: number;
  private readonly members = new Set<Connection>();
  private readonly health: StorageHealth;
  private readonly compaction: Compaction;
  private readonly history: RoomHistory;
  private readonly broadcast: Broadcast;
  private readonly writer: DurableWriter;
  private readonly storedListeners = new Set<StoredListener>();
  private destroyed = false;

  /** Loads the room's stored state; rejects (writing nothing) if storage fails. */
  static async load(options: RoomOptions): Promise<Room> {
    const stored = await options.storage.load(options.name);
    const doc = new Y.Doc({ gc: true });
    let repair;
    try {
      Y.transact(doc, () => {
        for (const update of stored.updates) Y.applyUpdate(doc, update);
      });
      // Stored before the document guard existed: dangling structs, content nested too deep.
      repair = repairDocument(doc, options.limits.maxNestingDepth);
    } catch (error) {
      // An unreadable row: nothing was built yet that holds a timer.
      doc.destroy();
      throw error;
    }
    const room = new Room(options, doc, stored);
    room.log.debug({ entries: stored.updates.length, structs: room.writer.structCount }, 'room loaded');
    const repaired = repair.unresolved !== null || repair.tooDeep > 0;
    if (repaired) {
      room.log.warn(
        { droppedUnresolved: repair.unresolved, deletedTooDeep: repair.tooDeep },
        LogMessage.guardDroppedAtLoad,
      );
      room.compaction.compactInBackground();
    } else {
      room.compaction.compactIfDue();
    }
    return room;
  }

  private constructor(options: RoomOptions, doc: Y.Doc, stored: StoredDocument) {
    this.name = options.name;
    this.doc = doc;
    this.maxDocumentBytes = options.maxDocumentBytes;
    this.log = options.logger.child({ room: roomLogId(options.name) });
    const planner = options.historyPlanner ?? createHistoryPlanner({ newVersionId });
    this.compaction = new Compaction(stored, {
      ...options,
      logger: this.log,
      maxNestingDepth: options.limits.maxNestingDepth,
      planHistory: planner,
    });
    this.health = options.storageHealth ?? new StorageHealth({ ...STORAGE_DEFAULTS, storage: options.storage, logger: options.logger });
    const onCorrupted = options.onCorrupted ?? (() => {});
    const onStorageFailed =
      options.onStorageFailed ??
      ((room: Room) => {
        room.closeAll(CloseCode.STORAGE_UNAVAILABLE);
        room.destroy();
      });
    this.presence = new RoomPresence({
      doc,
      metrics: options.metrics,
      logger: this.log,
      maxIdsPerConnection: options.maxPresenceIdsPerConnection ?? DEFAULT_CONFIG.maxPresenceIdsPerConnection,
      maxBytesPerRoom: options.maxPresenceBytesPerRoom ?? DEFAULT_CONFIG.maxPresenceBytesPerRoom,
      members: () => this.members,
    });
    const comments = options.comments ?? {
      maxThreads: DEFAULT_CONFIG.maxThreadsPerRoom,
      opRatePerSecond: DEFAULT_CONFIG.commentOpRatePerSecond,
      opBurst: DEFAULT_CONFIG.commentOpBurst,
      visibleToViewers: async () => false,
    };
    this.comments = new RoomComments({
      ...comments,
      room: options.name,
      storage: options.storage,
      logger: this.log,
      userOf: (connection) => this.presence.userOf(connection),
      text: {
        settled: async () => {
          await this.writer.whenStored();
          return this.doc;
        },
        write: (update, author) => this.writeForServer(update, author),
      },
    });
    this.broadcast = new Broadcast({ doc, metrics: options.metrics, members: () => this.members });
    this.history = new RoomHistory({
      compaction: this.compaction,
      planner,
      logger: this.log,
      pauseMs: options.versionPauseMs ?? VERSION_PAUSE_MS,
      whenStored: () => this.writer.whenStored(),
    });
    this.authorship = new RoomAuthorship(stored.bindings, {
      editorHolding: (clientId) => this.presence.editorHolding(clientId),
      userOf: (origin) => this.presence.userOf(origin),
    });
    this.writer = new DurableWriter({
      name: options.name,
      doc,
      storage: options.storage,
      logger: this.log,
      metrics: options.metrics,
      health: this.health,
      limits: options.limits,
      authorship: this.authorship,
      structCount: countStructs(doc),
      turn: options.writeTurn,
      onStored: this.delivered,
      onCorrupted: () => onCorrupted(this),
      onStorageFailed: () => onStorageFailed(this),
    });
  }

  /** Number of connections in the room. */
  get size(): number {
    return this.members.size;
  }

  /** Adds a connection and starts the sync handshake with it. */
  join(connection: Connection): void {
    this.members.add(connection);
    if (!editsDocument(connection.role)) connection.send(READ_ONLY);
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    this.presence.greet(connection);
    if (connection.wantsComments) this.comments.join(connection);
  }

  /** Removes a connection; its presence disappears for everyone at once. */
  leave(connection: Connection): void {
    if (!this.members.delete(connection)) return;
    this.presence.leave(connection);
    this.comments.leave(connection);
    this.writer.forget(connection);
  }

  /** Closes every connection in the room with `code`. */
  closeAll(code: CloseCodeValue): void {
    for (const member of Array.from(this.members)) member.close(code);
  }

  /** Acts on one decoded message from a member. */
  handle(connection: Connection, message: ClientMessage | CommentOpMessage): void {
    if (!this.members.has(connection)) return;
    switch (message.kind) {
      case 'comment-op':
        this.comments.handle(connection, message);
        return;
      case 'sync-step1':
        // Only stored changes may leave: while a batch is being stored the answer waits for it.
        this.writer.afterStored(() => connection.send(this.broadcast.syncStep2For(message.stateVector), { syncAnswer: true }));
        return;
      case 'sync-step2':
      case 'sync-update': {
        const verdict = admitUpdate(connection, message, {
          storedBytes: this.compaction.storedBytes,
          queuedBytes: this.writer.queuedBytes,
          maxDocumentBytes: this.maxDocumentBytes,
          health: this.health,
        });
        if (verdict === IGNORED) return;
        if (verdict) return connection.refuse(verdict);
        if (message.empty) this.writer.enqueue(connection, null, 0);
        else this.writer.enqueue(connection, message, message.update.byteLength);
        return;
      }
      case 'awareness':
        // After the document messages that came before it (see DurableWriter.afterForwarded).
        this.writer.afterForwarded(() => {
          if (!this.members.has(connection) || connection.isClosed) return;
          try {
            this.presence.receive(connection, message.entries);
          } catch (error) {
            // As the sync server treats any message that fails: this sender goes, the room stays.
            connection.log.error({ err: (error as Error).message, kind: message.kind }, 'message failed; closing');
            connection.close(CloseCode.INTERNAL_ERROR);
          }
        });
        return;
      case 'query-awareness':
        this.presence.answerQuery(connection);
        return;
    }
  }

  /**
   * Applies a change another server instance stored (server/scale/): local members get it at
   * once; it is never stored again here, since the instance whose client sent it stored it.
   */
  applyRemoteUpdate(update: Uint8Array): void {
    if (this.destroyed) return;
    const change = this.writer.applyStoredElsewhere(update, REMOTE_ORIGIN);
    if (change) this.broadcast.forward(change, NOBODY);
  }

  /** Takes client-id bindings another instance made (they are in storage already). */
  learnBindings(bindings: readonly ClientBinding[]): void {
    if (!this.destroyed) this.authorship.learn(bindings);
  }

  /**
   * Writes a change the server makes for someone (a restore, a comment's mark) through the same
   * path as a member's: checked, applied, written, forwarded and published, flushed. Resolves
   * once flushed (what the server then answers "done" survives power loss); rejects if it was
   * not (storage gave up, or the room went meanwhile).
   */
  async writeForServer(update: Uint8Array, author: AuthorRecord): Promise<void> {
    if (this.destroyed) throw new Error('the room was unloaded');
    const origin = serverOrigin(author, this.log);
    this.writer.enqueue(origin, { update, decoded: Y.decodeUpdate(update) }, 0);
    await this.writer.whenStored();
    if (origin.refusal) throw new Error(`the change was refused: ${origin.refusal}`);
    await this.writer.whenFlushed();
  }

  /** Whether the doc holds changes whose append has not resolved (not to be shared yet). */
  get hasUnstoredChanges(): boolean {
    return this.writer.holdsUnstored;
  }

  /**
   * Resolves once every update received so far is stored and applied, or given up on (its
   * senders were closed and still hold it).
   */
  whenStored(): Promise<void> {
    return this.writer.whenStored();
  }

  /**
   * Calls `listener` with each change of this room's own clients once it is stored, before
   * anyone is sent it (scale-out publishes it to the other instances). Returns the unsubscribe.
   */
  onStored(listener: StoredListener): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  /**
   * Shutdown: an append that fails from now on is not retried. Its senders were closed
   * (1012) without an ack, so they resend it to whichever server they reach next.
   */
  stopRetryingAppends(): void {
    this.writer.stopRetrying();
  }

  /** A version of `cut`'s kind at the head, after everything stored so far (room-history.ts). */
  cutVersion(cut: VersionCut): Promise<VersionRecord> {
    return this.history.cut(cut);
  }

  /** Brings automatic versions up to date (a paused stretch of editing gets its version). */
  settleHistory(): Promise<void> {
    return this.history.settle();
  }

  /** Folds the stored log into one snapshot (compaction.ts). */
  compact(): Promise<void> {
    return this.compaction.compact();
  }

  /** Whether the log holds entries a compaction would fold. */
  get hasUncompactedLog(): boolean {
    return this.compaction.hasUncompactedLog;
  }

  /**
   * Whether the room holds nothing at all: nothing stored, and nothing applied, queued or being
   * written since it loaded (a made-up room nobody wrote to). Only such a room may be unloaded
   * under pressure while it has members: they lose nothing (room-registry.ts).
   */
  get holdsNothing(): boolean {
    return this.compaction.storedBytes === 0 && this.writer.queuedBytes === 0 && this.writer.isIdle && this.doc.store.clients.size === 0;
  }

  /**
   * Resolves once nothing this room started still writes to storage: the append in flight,
   * then the comment operations, then any compaction (an append that lands may start one).
   * After destroy(), for a deleted room whose rows must not come back.
   */
  async writesSettled(): Promise<void> {
    await this.writer.whenStored();
    await this.comments.settled().catch(() => undefined);
    await this.compaction.idle();
  }

  /** Frees the doc and awareness (stops awareness' timer). Call only when empty. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.writer.destroy();
    this.history.destroy();
    this.broadcast.destroy();
    this.presence.destroy();
    this.comments.destroy();
    this.storedListeners.clear();
    this.doc.destroy();
  }

  /** A batch is stored (or changed nothing): tell the listeners, then everyone else. */
  private readonly delivered = ({ change, meta, head, items }: StoredBatch): void => {
    if (!change) return;
    for (const listener of this.storedListeners) {
      try {
        listener(change, meta?.bindings ?? []);
      } catch (error) {
        // A listener (scale-out's publish) must not keep the change from this room's members.
        this.log.error({ err: (error as Error).message }, 'a stored-change listener failed; forwarding anyway');
      }
    }
    this.broadcast.forwardBatch(change, items);
    // After forwarding: a compaction's first read must not delay the keystroke it follows.
    if (head !== null) {
      this.compaction.appended(head, change.byteLength);
      this.history.edited();
    }
  };
}

/**
 * The origin of a change the server writes for `author`: no socket, so nothing to acknowledge
 * or ask for; a refusal (which a change built from the room's own history never meets) is
 * kept for writeForServer to report.
 */
function serverOrigin(author: AuthorRecord, log: Logger): WriteOrigin & { refusal: string | null } {
  const origin = {
    author: { id: author.id, vouchedName: author.name, vouchedColor: author.color },
    log,
    wantsSavedAcks: false,
    isClosed: false,
    refusal: null as string | null,
    send() {},
    refuse(refusal: { reason: string }) {
      origin.refusal = refusal.reason;
    },
  };
  return origin;
}

/** Storage limits of a room built without a registry (tests): DEFAULT_CONFIG's. */
const STORAGE_DEFAULTS = {
  maxStorageBytes: DEFAULT_CONFIG.maxStorageBytes,
  minFreeDiskBytes: 0,
  maxQueuedBytes: DEFAULT_CONFIG.maxQueuedBytes,
  storageFailureTimeoutMs: DEFAULT_CONFIG.storageFailureTimeoutMs,
};
