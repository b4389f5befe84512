/**
 * One live document: its Y.Doc, the connections in it (their presence: room-presence.ts), and
 * the durable write path. The promise this file keeps: nothing of the document leaves the
 * server before it is stored. A batch of incoming updates is checked against the doc
 * (document-guard.ts) and applied in one transaction (so an update Yjs cannot apply is caught
 * before it reaches storage, and Yjs encodes the batch's changes once), then that one change is
 * appended; only once the append resolves is it forwarded, its senders acknowledged (SAVED),
 * and sync step 2 answers sent. So whatever any client has seen survives a crash, and storage
 * never holds a poisoned row.
 */
import * as Y from 'yjs';
import { CloseCode, type CloseCodeValue } from '../lib/protocol/close-codes';
import { DEFAULT_CONFIG } from './config';
import type { Connection } from './connection';
import {
  checkUpdate,
  countStructs,
  dropUnresolved,
  repairDocument,
  type DecodedUpdate,
  type DocumentLimits,
  type Refusal,
} from './document-guard';
import { foldOffTheEventLoop } from './document-fold';
import { roomLogId, type Logger } from './log';
import type { Metrics } from './metrics';
import {
  encodePermissionDenied,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type ClientMessage,
} from './protocol';
import { RoomPresence } from './room-presence';
import type { DocumentStorage } from './storage';
import { StorageHealth } from './storage-health';

export interface RoomOptions {
  name: string;
  storage: DocumentStorage;
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
}

interface QueuedUpdate {
  /** null for a document message that adds nothing: stored as nothing, still acknowledged. */
  update: Uint8Array | null;
  /** The update as decoded by the protocol, checked against the doc before it is applied. */
  decoded: DecodedUpdate | null;
  /**
   * What applying it did: `applied` in full; `partial` when Yjs set part of it aside for
   * missing dependencies (that part is dropped, so its raw bytes must not be relayed);
   * `refused` by the document guard (not applied at all; its sender is closed).
   */
  outcome?: 'applied' | 'partial' | 'refused';
  origin: Connection;
  /** Position of this message among the document messages its connection sent (1-based). */
  sequence: number;
}

/** Receives a change of the room's own clients once it is stored. */
export type StoredListener = (change: Uint8Array) => void;

interface Member {
  /** Document messages (sync step 2 + update) received from it so far. */
  documentMessages: number;
  /** When it was last asked to resend what the server lacks (a part of its update was dropped). */
  lastResyncAt: number;
}

/** Longest pause between retries of a failing storage append. */
const MAX_APPEND_RETRY_DELAY_MS = 5_000;

/** Shortest interval between two requests to one connection to resend what the server lacks. */
const RESYNC_INTERVAL_MS = 10_000;

/** Log bytes below which only the entry count triggers compaction. */
const COMPACT_MIN_LOG_BYTES = 1024 * 1024;

/** Sent to view-only connections on join and whenever they try to write. */
export const READ_ONLY = encodePermissionDenied('read-only: this link can view but not edit');

/**
 * Sync answers kept per doc version beside the whole-document one, keyed by the normalised
 * state vector: members catching up from the same point share one encode.
 */
const SYNC_ANSWER_CACHE_SIZE = 16;

export class Room {
  readonly name: string;
  readonly doc = new Y.Doc({ gc: true });
  /** Who is here: presence, owned per connection (room-presence.ts). */
  readonly presence: RoomPresence;
  private readonly storage: DocumentStorage;
  private readonly log: Logger;
  private readonly compactAfterUpdates: number;
  private readonly maxDocumentBytes: number;
  private readonly metrics: Metrics;
  private readonly members = new Map<Connection, Member>();
  private queue: QueuedUpdate[] = [];
  private writing: Promise<void> | null = null;
  /** The doc holds an applied batch whose append has not resolved yet. */
  private unstored = false;
  /** Doc changes of the batch being stored (one per transaction), forwarded once it is. */
  private held: { update: Uint8Array; origin: unknown }[] = [];
  /** Sync step 1 requests that arrived while the doc held unstored changes. */
  private waitingForStored: { connection: Connection; stateVector: Uint8Array }[] = [];
  private readonly onCorrupted: (room: Room) => void;
  private readonly onStorageFailed: (room: Room) => void;
  private readonly health: StorageHealth;
  /** The current append has failed at least once and is being retried. */
  private appendFailing = false;
  /** Set at shutdown: a failing append gives up at once (its senders still hold it). */
  private retryingAppends = true;
  /** Ends the pause between two append attempts early. */
  private wakeRetry: (() => void) | null = null;
  private compacting: Promise<void> | null = null;
  /** Storage position of the newest entry this doc contains. */
  private head: number;
  /** Log entries in storage not yet folded into the snapshot. */
  private logLength: number;
  /** Bytes of the stored snapshot, and of the log entries after it. */
  private snapshotBytes: number;
  private logBytes: number;
  /** Bytes received but not yet stored. */
  private queuedBytes = 0;
  /** Structs the doc holds (exact after each batch), for MAX_DOCUMENT_STRUCTS. */
  private structCount = 0;
  private readonly limits: DocumentLimits;
  /** The sync step 2 answering an empty state vector: encoded once per doc version, shared. */
  private wholeDocFrame: Uint8Array | null = null;
  /** Other sync step 2 answers of this doc version, by normalised state vector (oldest first). */
  private readonly syncAnswers = new Map<string, Uint8Array>();
  private destroyed = false;
  private readonly storedListeners = new Set<StoredListener>();

  /** Loads the room's stored state; rejects (writing nothing) if storage fails. */
  static async load(options: RoomOptions): Promise<Room> {
    const stored = await options.storage.load(options.name);
    // The snapshot, when there is one, comes first and is the one entry not in the log.
    const snapshotBytes = stored.updates.length > stored.logLength ? stored.updates[0].byteLength : 0;
    const logBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0) - snapshotBytes;
    const room = new Room(options, stored.head, stored.logLength, snapshotBytes, logBytes);
    let repair;
    try {
      Y.transact(room.doc, () => {
        for (const update of stored.updates) Y.applyUpdate(room.doc, update);
      });
      // Stored before the document guard existed: dangling structs, content nested too deep.
      repair = repairDocument(room.doc, options.limits.maxNestingDepth);
    } catch (error) {
      // An unreadable row: free the half-built room (awareness runs a timer) and fail the load.
      room.destroy();
      throw error;
    }
    room.structCount = countStructs(room.doc);
    // Listen only now: loading is not news to anyone.
    room.doc.on('update', room.holdUpdate);
    room.log.debug({ entries: stored.updates.length, structs: room.structCount }, 'room loaded');
    const repaired = repair.unresolved !== null || repair.tooDeep > 0;
    if (repaired) {
      room.log.warn(
        { droppedUnresolved: repair.unresolved, deletedTooDeep: repair.tooDeep },
        'stored content the document guard refuses was dropped at load; compacting so storage holds the repaired document',
      );
    }
    if (repaired || room.shouldCompact()) room.compactInBackground();
    return room;
  }

  private constructor(options: RoomOptions, head: number, logLength: number, snapshotBytes: number, logBytes: number) {
    this.name = options.name;
    this.maxDocumentBytes = options.maxDocumentBytes;
    this.limits = options.limits;
    this.metrics = options.metrics;
    this.snapshotBytes = snapshotBytes;
    this.logBytes = logBytes;
    this.storage = options.storage;
    this.onCorrupted = options.onCorrupted ?? (() => {});
    this.onStorageFailed =
      options.onStorageFailed ??
      ((room) => {
        room.closeAll(CloseCode.STORAGE_UNAVAILABLE);
        room.destroy();
      });
    this.health = options.storageHealth ?? new StorageHealth({ ...STORAGE_DEFAULTS, storage: options.storage, logger: options.logger });
    this.log = options.logger.child({ room: roomLogId(options.name) });
    this.compactAfterUpdates = options.compactAfterUpdates;
    this.head = head;
    this.logLength = logLength;
    this.presence = new RoomPresence({
      doc: this.doc,
      metrics: options.metrics,
      logger: this.log,
      maxIdsPerConnection: options.maxPresenceIdsPerConnection ?? DEFAULT_CONFIG.maxPresenceIdsPerConnection,
      maxBytesPerRoom: options.maxPresenceBytesPerRoom ?? DEFAULT_CONFIG.maxPresenceBytesPerRoom,
      members: () => this.members.keys(),
    });
  }

  /** Number of connections in the room. */
  get size(): number {
    return this.members.size;
  }

  /** Adds a connection and starts the sync handshake with it. */
  join(connection: Connection): void {
    this.members.set(connection, { documentMessages: 0, lastResyncAt: 0 });
    if (connection.role === 'view') connection.send(READ_ONLY);
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    this.presence.greet(connection);
  }

  /** Closes every connection in the room with `code`. */
  closeAll(code: CloseCodeValue): void {
    for (const member of Array.from(this.members.keys())) member.close(code);
  }

  /**
   * Removes a connection; its presence disappears for everyone at once. While the room's
   * append is failing, what it sent that is still queued (not applied, so nobody has seen it)
   * is dropped: it was never acknowledged, so its sender resends it when it reconnects, and a
   * flood from a closed socket does not take the space an administrator frees. Otherwise it
   * is stored as usual (a tab closed right after typing keeps its last keystrokes).
   */
  leave(connection: Connection): void {
    if (!this.members.delete(connection)) return;
    this.presence.leave(connection);
    if (!this.appendFailing || !this.queue.some((item) => item.origin === connection)) return;
    const kept: QueuedUpdate[] = [];
    for (const item of this.queue) {
      if (item.origin !== connection) kept.push(item);
      else this.releaseQueued(item.update?.byteLength ?? 0);
    }
    this.queue = kept;
  }

  /** Acts on one decoded message from a member. */
  handle(connection: Connection, message: ClientMessage): void {
    switch (message.kind) {
      case 'sync-step1':
        if (this.unstored) this.waitingForStored.push({ connection, stateVector: message.stateVector });
        else connection.send(this.syncStep2For(message.stateVector), { syncAnswer: true });
        return;
      case 'sync-step2':
      case 'sync-update': {
        const member = this.members.get(connection);
        if (!member) return;
        // Never applied, stored or forwarded. The sync server refuses a viewer's document
        // messages before decoding them (and tells it it is read-only); this is the backstop.
        if (connection.role === 'view') return;
        if (!message.empty && this.storedBytes + this.queuedBytes + message.update.byteLength > this.maxDocumentBytes) {
          this.metrics.rejected.inc({ reason: 'document_too_large' });
          connection.log.warn(
            { code: CloseCode.DOCUMENT_TOO_LARGE, bytes: this.storedBytes },
            'update would exceed MAX_DOCUMENT_BYTES; closing',
          );
          connection.close(CloseCode.DOCUMENT_TOO_LARGE);
          return;
        }
        if (!message.empty && !this.admit(connection, message.update.byteLength, message.decoded.structs.length > 0)) return;
        member.documentMessages += 1;
        const update = message.empty ? null : message.update;
        const decoded = message.empty ? null : message.decoded;
        this.enqueue({ update, decoded, origin: connection, sequence: member.documentMessages });
        return;
      }
      case 'awareness':
        if (this.members.has(connection)) this.presence.receive(connection, message.entries);
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
    const before = this.held.length;
    Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
    // Out of order (a message lost between instances): healing sends the missing part again.
    if (dropUnresolved(this.doc)) this.log.debug('a change from another instance arrived before its dependencies; healing brings it');
    this.structCount = countStructs(this.doc);
    // Not held back with a local batch: it is stored already.
    for (const change of this.held.splice(before)) this.forward(change.update, null);
  }

  /** Whether the doc holds changes whose append has not resolved (not to be shared yet). */
  get hasUnstoredChanges(): boolean {
    return this.unstored;
  }

  /**
   * Resolves once every update received so far is stored and applied, or given up on (its
   * senders were closed and still hold it).
   */
  async whenStored(): Promise<void> {
    while (this.writing) await this.writing;
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
    this.retryingAppends = false;
    this.wakeRetry?.();
  }

  /**
   * Folds the stored log into one snapshot. It folds what storage holds, not this doc: with
   * several server instances another one may have stored entries this doc lacks. Safe while
   * clients write (storage keeps entries appended meanwhile) and while another instance
   * compacts (storage serializes them). A snapshot that would not load is never written.
   */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      const started = performance.now();
      try {
        const maxDepth = this.limits.maxNestingDepth;
        const result = await this.storage.compact(this.name, (updates) => foldOffTheEventLoop(updates, maxDepth));
        if (!result) return;
        // Entries this room appended meanwhile stay in the log on top of the snapshot.
        this.logLength = Math.max(0, this.logLength - result.folded);
        this.logBytes = Math.max(0, this.logBytes - result.foldedBytes);
        this.snapshotBytes = result.snapshotBytes;
        this.log.debug(
          { folded: result.folded, bytes: result.snapshotBytes, head: this.head, ms: Math.round(performance.now() - started) },
          'room compacted',
        );
      } finally {
        this.compacting = null;
      }
    })();
    return this.compacting;
  }

  /**
   * Whether the room holds nothing at all: nothing stored, and nothing applied, queued or being
   * written since it loaded (a made-up room nobody wrote to). Only such a room may be unloaded
   * under pressure while it has members: they lose nothing (room-registry.ts).
   */
  get holdsNothing(): boolean {
    return this.storedBytes === 0 && this.queuedBytes === 0 && !this.unstored && this.writing === null && this.doc.store.clients.size === 0;
  }

  /** Whether the log holds entries a compaction would fold. */
  get hasUncompactedLog(): boolean {
    return this.logLength > 0;
  }

  /** Frees the doc and awareness (stops awareness' timer). Call only when empty. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const item of this.queue) this.releaseQueued(item.update?.byteLength ?? 0);
    this.queue = [];
    this.doc.off('update', this.holdUpdate);
    this.presence.destroy();
    this.doc.destroy();
  }

  private enqueue(item: QueuedUpdate): void {
    this.queue.push(item);
    this.writing ??= this.drainQueue().finally(() => {
      this.writing = null;
    });
  }

  /**
   * Applies, stores, then releases queued updates: one transaction and one storage write per
   * event-loop tick. Acks follow the order messages arrived in, so "N stored" is exact.
   */
  private async drainQueue(): Promise<void> {
    // Let every frame that arrived in this tick join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0 && !this.destroyed) {
      const batch = this.queue.splice(0);
      this.releaseQueued(batch.reduce((sum, item) => sum + (item.update?.byteLength ?? 0), 0));
      const applied = this.applyBatch(batch);
      const changes = this.held.splice(0);
      this.structCount = countStructs(this.doc);
      if (!applied) {
        // What Yjs half-applied must not reach anyone or storage. Nothing of this batch was
        // stored or acknowledged, so its senders still hold it and resend it on reconnect.
        this.onCorrupted(this);
        return;
      }
      const stored = this.storedFormOf(changes);
      if (stored) {
        this.unstored = true;
        const head = await this.appendWithRetry(stored);
        if (head === null) {
          // Storage kept failing: the doc holds changes storage never got, so the room goes
          // (its members are closed 4504 and keep those changes; a reload from storage never
          // held them). Nothing of this batch was forwarded or acknowledged.
          this.onStorageFailed(this);
          return;
        }
        this.head = head;
        this.logLength += 1;
        this.logBytes += stored.byteLength;
        this.unstored = false;
        for (const listener of this.storedListeners) listener(stored);
      }
      this.acknowledge(batch);
      // Stored: now the changes may reach everyone, and waiting sync answers may go out.
      for (const { update, origin } of changes) {
        if (origin === batch) this.forwardBatch(update, batch);
        else this.forward(update, origin);
      }
      for (const { connection, stateVector } of this.waitingForStored.splice(0)) {
        connection.send(this.syncStep2For(stateVector), { syncAnswer: true });
      }
    }
    if (this.shouldCompact()) this.compactInBackground();
  }

  /**
   * What to append for a batch: the doc's own encoding of what the batch changed. It holds only
   * what the doc integrated: what Yjs set aside for missing dependencies was dropped.
   */
  private storedFormOf(changes: { update: Uint8Array }[]): Uint8Array | null {
    const updates = changes.map((change) => change.update);
    if (updates.length === 0) return null;
    return updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
  }

  /** Bytes stored for this room: snapshot plus log. */
  private get storedBytes(): number {
    return this.snapshotBytes + this.logBytes;
  }

  /**
   * Compact when the log has many entries, or when it outweighs the snapshot: a burst can put
   * thousands of edits in one entry, and a log much larger than its snapshot loads slowly.
   */
  private shouldCompact(): boolean {
    return (
      this.logLength >= this.compactAfterUpdates ||
      (this.logLength > 1 && this.logBytes > Math.max(COMPACT_MIN_LOG_BYTES, this.snapshotBytes))
    );
  }

  /**
   * Applies a batch to the doc in one transaction (the batch itself is its origin), in order.
   * Each update is first checked against the doc as the earlier ones left it; a refused one is
   * skipped, with everything else its sender sent in the batch, and the sender closed. What Yjs
   * sets aside for missing dependencies is dropped. If an update makes Yjs throw, its sender is
   * closed and false returned: the doc then holds part of the batch and must be reloaded.
   */
  private applyBatch(batch: QueuedUpdate[]): boolean {
    let culprit: QueuedUpdate | null = null;
    const refusedSenders = new Set<Connection>();
    let structCount = this.structCount;
    try {
      Y.transact(
        this.doc,
        () => {
          for (const item of batch) {
            if (!item.update || !item.decoded) continue;
            if (refusedSenders.has(item.origin)) {
              item.outcome = 'refused';
              continue;
            }
            const check = checkUpdate(this.doc, item.decoded, this.limits, structCount);
            if (check.refusal) {
              item.outcome = 'refused';
              refusedSenders.add(item.origin);
              this.refuse(item.origin, check.refusal);
              continue;
            }
            structCount += check.addedStructs;
            culprit = item;
            Y.applyUpdate(this.doc, item.update);
            const unresolved = dropUnresolved(this.doc);
            item.outcome = unresolved ? 'partial' : 'applied';
            if (unresolved) {
              this.metrics.rejected.inc({ reason: 'unresolved_dependencies' });
              item.origin.log.warn(
                { unresolved },
                'dropped the part of an update that depends on changes this server never received',
              );
            }
          }
          culprit = null;
        },
        batch,
      );
    } catch (error) {
      const origin = (culprit as QueuedUpdate | null)?.origin;
      this.metrics.rejected.inc({ reason: 'invalid_update' });
      origin?.log.warn({ err: (error as Error).message, code: CloseCode.MALFORMED_MESSAGE }, 'update Yjs cannot apply; closing');
      origin?.close(CloseCode.MALFORMED_MESSAGE);
      return false;
    }
    return true;
  }

  /** Closes the sender of an update the document guard refused; the doc is untouched. */
  private refuse(connection: Connection, refusal: Refusal): void {
    const code = refusal.reason === 'too_many_structs' ? CloseCode.DOCUMENT_TOO_LARGE : CloseCode.MALFORMED_MESSAGE;
    this.metrics.rejected.inc({ reason: refusal.reason });
    connection.log.warn({ code, reason: refusal.reason, detail: refusal.detail }, 'update refused by the document guard; closing');
    connection.close(code);
  }

  /** Tells each sender that asked how many of its document messages are now stored. */
  private acknowledge(batch: QueuedUpdate[]): void {
    const stored = new Map<Connection, number>();
    const partial = new Set<Connection>();
    for (const { origin, sequence, outcome } of batch) {
      // A message whose dependencies the server lacks is not stored as sent: no ack for it.
      if (outcome === 'partial') partial.add(origin);
      else stored.set(origin, sequence);
    }
    for (const [connection, sequence] of stored) {
      if (connection.wantsSavedAcks) connection.send(encodeSaved(sequence));
    }
    for (const connection of partial) this.askForWhatIsMissing(connection);
  }

  /**
   * A sender's update depended on changes the server never received: typed after an edit that
   * reached it from another tab (BroadcastChannel) before it reached the server, or after a
   * change another instance failed to relay. A sync step 1 with the server's state makes a
   * stock client answer with everything it holds that the server lacks, dependencies included.
   * At most once per RESYNC_INTERVAL_MS, so a client holding changes nobody can ever supply
   * does not loop.
   */
  private askForWhatIsMissing(connection: Connection): void {
    const member = this.members.get(connection);
    const now = Date.now();
    if (!member || now - member.lastResyncAt < RESYNC_INTERVAL_MS) return;
    member.lastResyncAt = now;
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
  }

  /**
   * A short storage outage must not lose the update: retry with backoff. Resolves null once
   * it has failed for STORAGE_FAILURE_TIMEOUT_MS (or at shutdown): holding the room any longer
   * would only freeze it, while its senders still hold the update and can resend it.
   */
  private async appendWithRetry(update: Uint8Array): Promise<number | null> {
    const started = Date.now();
    const deadline = started + this.health.storageFailureTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const stopTimer = this.metrics.storageWriteSeconds.startTimer();
      try {
        const head = await this.appendBefore(update, deadline);
        stopTimer();
        this.appendFailing = false;
        this.health.appendStored(this.name, update.byteLength);
        return head;
      } catch (error) {
        this.appendFailing = true;
        this.health.appendFailed(this.name, started, error as Error);
        const delayMs = Math.min(MAX_APPEND_RETRY_DELAY_MS, 50 * 2 ** attempt, Math.max(0, deadline - Date.now()));
        if (!this.retryingAppends || delayMs === 0) {
          this.health.appendAbandoned(this.name);
          this.log.error(
            { err: (error as Error).message, attempt, failingMs: Date.now() - started },
            'storage append failed; giving up on this room (4504), its clients keep their changes',
          );
          return null;
        }
        this.log.error({ err: (error as Error).message, attempt, delayMs }, 'storage append failed; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = null;
      }
    }
  }

  /**
   * One append that fails if it has not settled by `deadline`: a backend that hangs rather
   * than fails must not hold the room for ever. If it is stored after all, the senders'
   * resend stores it twice, which is harmless (a Yjs update applied again changes nothing).
   */
  private appendBefore(update: Uint8Array, deadline: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('storage append did not settle in time')), Math.max(0, deadline - Date.now()));
    });
    return Promise.race([this.storage.append(this.name, update), timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Whether storage can take a document message of `bytes`: content is refused while storage
   * is full (deletions pass, so people can make room), and any message that would put more
   * unstored bytes in memory than MAX_QUEUED_BYTES allows. Both closes are retryable: the
   * client keeps the change and resends it.
   */
  private admit(connection: Connection, bytes: number, addsContent: boolean): boolean {
    const full = addsContent ? this.health.fullFor(bytes) : null;
    if (full) {
      this.metrics.rejected.inc({ reason: 'storage_full' });
      connection.log.warn(
        { code: CloseCode.STORAGE_FULL, limit: full === 'quota' ? 'MAX_STORAGE_BYTES' : 'MIN_FREE_DISK_BYTES' },
        'storage is full; refusing new content and closing',
      );
      connection.close(CloseCode.STORAGE_FULL);
      return false;
    }
    if (!this.health.reserveQueued(bytes)) {
      this.metrics.rejected.inc({ reason: 'queued_bytes' });
      connection.log.warn(
        { code: CloseCode.STORAGE_UNAVAILABLE, queuedBytes: this.health.queuedBytes },
        'too many received bytes wait to be stored (MAX_QUEUED_BYTES); closing',
      );
      connection.close(CloseCode.STORAGE_UNAVAILABLE);
      return false;
    }
    this.queuedBytes += bytes;
    return true;
  }

  /** Queued bytes that were applied or dropped. */
  private releaseQueued(bytes: number): void {
    this.queuedBytes -= bytes;
    this.health.releaseQueued(bytes);
  }

  private compactInBackground(): void {
    if (this.compacting) return;
    this.compact().catch((error: Error) => {
      this.log.error({ err: error.message }, 'compaction failed; the log is kept and retried later');
    });
  }

  private readonly holdUpdate = (update: Uint8Array, origin: unknown): void => {
    this.wholeDocFrame = null;
    this.syncAnswers.clear();
    this.held.push({ update, origin });
  };

  /**
   * Answers a sync step 1 with only what the client lacks. The state vector is first normalised
   * against the doc: clients the doc does not know are dropped and clocks clamped to the doc's
   * own, which changes nothing Yjs would encode (it skips both; the doc holds no pending structs)
   * but makes a vector naming made-up clients (security review H6: 7 bytes in, a whole-document
   * encode out) the empty one. Joiners that hold nothing all get one shared whole-document
   * frame, so a join storm encodes it once; other answers are cached for the doc version too.
   */
  private syncStep2For(stateVector: Uint8Array): Uint8Array {
    const known = new Map<number, number>();
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      const held = Y.getState(this.doc.store, client);
      if (held > 0 && clock > 0) known.set(client, Math.min(clock, held));
    }
    if (known.size === 0) {
      this.wholeDocFrame ??= encodeSyncStep2(Y.encodeStateAsUpdate(this.doc));
      return this.wholeDocFrame;
    }
    const normalised = Y.encodeStateVector(known);
    const key = Buffer.from(normalised).toString('latin1');
    let answer = this.syncAnswers.get(key);
    if (!answer) {
      answer = encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, normalised));
      if (this.syncAnswers.size >= SYNC_ANSWER_CACHE_SIZE) this.syncAnswers.delete(this.syncAnswers.keys().next().value!);
      this.syncAnswers.set(key, answer);
    }
    return answer;
  }

  /**
   * Forwards a stored batch. Everyone who sent nothing in it gets the batch's changes as one
   * frame; a sender gets the other senders' updates, never its own back.
   */
  private forwardBatch(changes: Uint8Array, batch: QueuedUpdate[]): void {
    // A sender's raw bytes may be relayed only if the doc took all of them: otherwise everyone
    // gets the batch's change (senders ignore the part they hold).
    if (batch.some((item) => item.outcome === 'partial')) {
      this.forward(changes, null);
      return;
    }
    const senders = new Set<Connection>();
    for (const item of batch) if (item.outcome === 'applied') senders.add(item.origin);
    this.forward(changes, senders);
    if (senders.size < 2) return;
    for (const item of batch) {
      if (!item.update || item.outcome !== 'applied') continue;
      const frame = encodeSyncUpdate(item.update);
      for (const sender of senders) if (sender !== item.origin) sender.send(frame);
      this.metrics.updatesSent.inc(senders.size - 1);
    }
  }

  /** Sends `update` to every member except `skip` (one connection or a set of them). */
  private forward(update: Uint8Array, skip: unknown): void {
    const frame = encodeSyncUpdate(update);
    const skipped = skip instanceof Set ? (skip as Set<unknown>) : null;
    let sent = 0;
    for (const member of this.members.keys()) {
      if (skipped ? !skipped.has(member) : member !== skip) {
        member.send(frame);
        sent++;
      }
    }
    this.metrics.updatesSent.inc(sent);
  }
}

/** Storage limits of a room built without a registry (tests): DEFAULT_CONFIG's. */
const STORAGE_DEFAULTS = {
  maxStorageBytes: DEFAULT_CONFIG.maxStorageBytes,
  minFreeDiskBytes: 0,
  maxQueuedBytes: DEFAULT_CONFIG.maxQueuedBytes,
  storageFailureTimeoutMs: DEFAULT_CONFIG.storageFailureTimeoutMs,
};

/** Origin of changes applied from other server instances. */
const REMOTE_ORIGIN = Symbol('remote instance');
