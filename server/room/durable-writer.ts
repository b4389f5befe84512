/**
 * The one owner of store-before-forward. Document messages queue here; at the write turn
 * (write-turn.ts) the queued batch is checked against the doc (document-guard.ts) and applied
 * in one transaction, so an update Yjs cannot apply is caught before it reaches storage and Yjs
 * encodes the batch's changes once; that one change is appended. Once it is written (it
 * survives a crash of this process) the change is handed on to be forwarded, and the next
 * batch may be written; once it is flushed (it survives power loss) its senders are
 * acknowledged (SAVED), in order. So whatever any client has seen survives a crash of the
 * server, whatever a sender was told is saved survives power loss, and storage never holds a
 * poisoned row. (Longer than most files here: each step's invariant is written beside the
 * code keeping it.)
 */
import * as Y from 'yjs';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { Connection } from '../connection';
import { checkUpdate, countStructs, dropUnresolved, type DecodedUpdate, type DocumentLimits, type GuardRefusal } from '../document-guard';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { encodeSaved, encodeSyncStep1 } from '../protocol';
import { attributeDeletions } from '../history/attribution';
import { LogMessage } from '../log-messages';
import type { AppendMeta, AuthorRecord, ClientBinding, DocumentLog } from '../storage';
import type { StorageHealth } from '../storage-health';
import { withoutClients, type RoomAuthorship } from './authorship';
import { RetryingAppend, type WrittenAppend } from './retrying-append';
import { processWriteTurn, type WriteTurn } from './write-turn';

/**
 * Who sent a document message: a member's connection, or the server itself writing for
 * someone (a restore), which has no socket but an author and a log.
 */
export type WriteOrigin = Pick<Connection, 'author' | 'log' | 'wantsSavedAcks' | 'send' | 'refuse' | 'isClosed'>;

/** One document message waiting to be applied and stored. */
export interface QueuedUpdate {
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
  origin: WriteOrigin;
  /** Position of this message among the document messages its connection sent (1-based). */
  sequence: number;
}

/** A batch whose change is stored (or that changed nothing): what may now be forwarded. */
export interface StoredBatch {
  /** The doc's own encoding of what the batch changed; null when it changed nothing. */
  change: Uint8Array | null;
  /** Who wrote it and when, as stored with it (null when nothing was appended). */
  meta: AppendMeta | null;
  /** Storage position of the appended change (null when nothing was appended). */
  head: number | null;
  items: readonly QueuedUpdate[];
}

export interface DurableWriterOptions {
  name: string;
  doc: Y.Doc;
  storage: DocumentLog;
  logger: Logger;
  metrics: Metrics;
  health: StorageHealth;
  limits: DocumentLimits;
  /** Client-id bindings: who may write with which client ids, and who wrote the batch. */
  authorship: RoomAuthorship;
  /** Structs the doc holds now (exact after each batch), for MAX_DOCUMENT_STRUCTS. */
  structCount: number;
  turn?: WriteTurn;
  /** A batch is written (not yet acknowledged): forward it (called before waiting answers). */
  onStored: (batch: StoredBatch) => void;
  /** An update made Yjs throw mid-apply: the doc holds part of a batch and must be reloaded. */
  onCorrupted: () => void;
  /**
   * Appends kept failing for STORAGE_FAILURE_TIMEOUT_MS (or at shutdown), or a flush failed:
   * the room must go.
   */
  onStorageFailed: () => void;
}

/** Shortest interval between two requests to one connection to resend what the server lacks. */
const RESYNC_INTERVAL_MS = 10_000;
/**
 * Tasks that may wait for the batch being written (presence, one per message): a backlog this
 * long means the append is slow, not that a keystroke and its caret arrived together.
 */
const MAX_WAITING_AFTER_FORWARD = 256;

export class DurableWriter {
  private readonly options: DurableWriterOptions;
  private readonly log: Logger;
  private readonly turn: WriteTurn;
  private queue: QueuedUpdate[] = [];
  /** From the first enqueue until the queue is drained: the batches being applied and stored. */
  private writing: Promise<void> | null = null;
  /** The doc holds an applied batch whose append has not resolved yet. */
  private unstored = false;
  /**
   * The acknowledgements of written batches, each sent once its batch is flushed and the
   * batches before it are acknowledged (so "N stored" stays exact).
   */
  private acknowledged: Promise<void> = Promise.resolve();
  /** A flush failed: nothing is acknowledged any more, the room is given up. */
  private flushFailed = false;
  /** Tasks (sync step 2 answers) waiting until the doc holds nothing unstored. */
  private afterStoredTasks: (() => void)[] = [];
  /** Batches taken from the queue, and batches forwarded (or ended) since the room loaded. */
  private batchesTaken = 0;
  private batchesForwarded = 0;
  /** Tasks (presence relays) waiting until the batch number `after` is forwarded. */
  private afterForwardedTasks: { after: number; task: () => void }[] = [];
  /** Document messages each connection sent so far, and when it was last asked to resend. */
  private readonly sent = new WeakMap<WriteOrigin, { messages: number; lastResyncAt: number }>();
  private structs: number;
  private queued = 0;
  private readonly appender: RetryingAppend;
  private destroyed = false;

  constructor(options: DurableWriterOptions) {
    this.options = options;
    this.log = options.logger;
    this.turn = options.turn ?? processWriteTurn;
    this.structs = options.structCount;
    this.appender = new RetryingAppend(options);
  }

  /** Bytes received but not yet applied (reserved with the storage health's queued-bytes cap). */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Structs the doc holds, for the document guard. */
  get structCount(): number {
    return this.structs;
  }

  /** Whether the doc holds changes whose append has not resolved (not to be shared yet). */
  get holdsUnstored(): boolean {
    return this.unstored;
  }

  /** Whether nothing is queued, being applied or being stored. */
  get isIdle(): boolean {
    return this.writing === null;
  }

  /**
   * Queues one document message from `origin` (null update: it adds nothing but is still
   * acknowledged in order). `reservedBytes` were reserved against MAX_QUEUED_BYTES by admission.
   */
  enqueue(origin: WriteOrigin, update: { update: Uint8Array; decoded: DecodedUpdate } | null, reservedBytes: number): void {
    const sent = this.sentBy(origin);
    sent.messages += 1;
    this.queued += reservedBytes;
    this.queue.push({ update: update?.update ?? null, decoded: update?.decoded ?? null, origin, sequence: sent.messages });
    this.writing ??= new Promise<void>((resolve, reject) => this.turn.join(() => this.drain().then(resolve, reject)))
      .catch((error: Error) => {
        // Not storage (appends retry) but a bug: the doc may hold what was never stored, so the
        // room is reloaded from storage; nothing of the failed batch was acknowledged.
        this.log.error({ err: error.message }, 'the write path failed unexpectedly; reloading the room');
        this.options.onCorrupted();
      })
      .finally(() => {
        this.writing = null;
        // Nothing left to forward (drained, dropped by forget(), or given up): nothing to wait for.
        this.batchesForwarded = this.batchesTaken;
        this.runForwardedTasks();
      });
  }

  /** Runs `task` once the doc holds nothing unstored: at once, or after the current batch. */
  afterStored(task: () => void): void {
    if (this.unstored) this.afterStoredTasks.push(task);
    else task();
  }

  /**
   * Runs `task` once every document message received so far is forwarded (or given up on): at
   * once when none waits, while storage is failing, or past MAX_WAITING_AFTER_FORWARD waiting.
   * Presence goes through here, so that what a client sends reaches the others in the order it
   * sent it: a caret that moved onto a new letter arrives after the letter, not before it, and
   * the receiver draws the two in one go instead of two. `task` must not throw: it may run
   * inside the write path.
   */
  afterForwarded(task: () => void): void {
    const after = this.queue.length > 0 ? this.batchesTaken + 1 : this.batchesTaken;
    // While storage fails, appends retry for up to STORAGE_FAILURE_TIMEOUT_MS: presence must not
    // pile up (or freeze) behind them, so it goes at once, as it does past a bounded backlog.
    const waitsTooLong = this.appender.failing || this.afterForwardedTasks.length >= MAX_WAITING_AFTER_FORWARD;
    if (after <= this.batchesForwarded || waitsTooLong) task();
    else this.afterForwardedTasks.push({ after, task });
  }

  /**
   * Resolves once every update received so far is applied and written (it survives a crash of
   * this process; it may still wait for its flush and acknowledgement), or given up on (its
   * senders were closed and still hold it).
   */
  async whenStored(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * Resolves once every update received so far is flushed too (survives power loss) and its
   * senders acknowledged; rejects if storage gave up on any of it.
   */
  async whenFlushed(): Promise<void> {
    await this.whenStored();
    await this.acknowledged;
    // Given up (storage kept failing, a flush failed) or unloaded: not everything is flushed.
    if (this.flushFailed || this.destroyed) throw new Error('the room was given up before its changes were flushed');
  }

  /**
   * A member left. While the room's append is failing, what it sent that is still queued (not
   * applied, so nobody has seen it) is dropped: it was never acknowledged, so its sender resends
   * it when it reconnects, and a flood from a closed socket does not take the space an
   * administrator frees. Otherwise it is stored as usual (a tab closed right after typing keeps
   * its last keystrokes).
   */
  forget(connection: Connection): void {
    if (!this.appender.failing || !this.queue.some((item) => item.origin === connection)) return;
    const kept: QueuedUpdate[] = [];
    for (const item of this.queue) {
      if (item.origin !== connection) kept.push(item);
      else this.release(item.update?.byteLength ?? 0);
    }
    this.queue = kept;
  }

  /**
   * Applies a change another server instance stored (server/scale/): never stored again here.
   * Returns what it changed in this doc, for local members, or null if it held nothing new.
   */
  applyStoredElsewhere(update: Uint8Array, origin: unknown): Uint8Array | null {
    const change = transactCapturing(this.options.doc, origin, () => Y.applyUpdate(this.options.doc, update, origin));
    // Out of order (a message lost between instances): healing sends the missing part again.
    if (dropUnresolved(this.options.doc)) this.log.debug('a change from another instance arrived before its dependencies; healing brings it');
    this.structs = countStructs(this.options.doc);
    return change;
  }

  /**
   * Shutdown: an append that fails from now on is not retried. Its senders were closed
   * (1012) without an ack, so they resend it to whichever server they reach next.
   */
  stopRetrying(): void {
    this.appender.stopRetrying();
  }

  /** Drops what is queued (the room is going). Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const item of this.queue) this.release(item.update?.byteLength ?? 0);
    this.queue = [];
    this.afterStoredTasks = [];
    this.afterForwardedTasks = [];
  }

  /**
   * Applies, writes, then releases queued batches. Runs at the write turn; everything up to the
   * first append is synchronous, so every room's append of that turn joins one storage commit.
   * A written batch is forwarded at once and the next one written while its flush runs; acks
   * follow the order messages arrived in, each after its batch's flush, so "N stored" is exact.
   */
  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.destroyed) {
      const items = this.queue.splice(0);
      this.batchesTaken += 1;
      this.release(items.reduce((sum, item) => sum + (item.update?.byteLength ?? 0), 0));
      const applied = this.applyBatch(items);
      this.structs = countStructs(this.options.doc);
      if (!applied.ok) {
        // What Yjs half-applied must not reach anyone or storage. Nothing of this batch was
        // stored or acknowledged, so its senders still hold it and resend it on reconnect.
        this.options.onCorrupted();
        return;
      }
      let written: WrittenAppend | null = null;
      const meta = applied.change ? this.metaOf(items, applied.bindings) : null;
      if (applied.change) {
        this.unstored = true;
        written = await this.appender.append(applied.change, meta!);
        if (written === null) {
          // Storage kept failing: the doc holds changes storage never got, so the room goes
          // (its members are closed 4504 and keep those changes; a reload from storage never
          // held them). Nothing of this batch was forwarded or acknowledged.
          this.options.onStorageFailed();
          return;
        }
        this.unstored = false;
      }
      this.options.onStored({ change: applied.change, meta, head: written?.head ?? null, items });
      this.batchesForwarded += 1;
      this.runForwardedTasks();
      for (const task of this.afterStoredTasks.splice(0)) task();
      this.acknowledgeOnceFlushed(items, written?.flushed ?? null);
    }
  }

  /**
   * Acknowledges `items` once `flushed` resolves (null: the batch wrote nothing) and every
   * earlier batch is acknowledged. A failed flush acknowledges nothing from then on and gives
   * the room up: its members are closed (4504) holding every change not acknowledged, and
   * resend it, to be written and flushed again; what others were shown of it is still in the
   * log (written), so a reload serves it.
   */
  private acknowledgeOnceFlushed(items: readonly QueuedUpdate[], flushed: Promise<void> | null): void {
    this.acknowledged = this.acknowledged.then(async () => {
      if (this.flushFailed || this.destroyed) return;
      try {
        if (flushed) await flushed;
      } catch (error) {
        if (this.flushFailed || this.destroyed) return;
        this.flushFailed = true;
        this.appender.flushFailed(error as Error);
        this.options.onStorageFailed();
        return;
      }
      if (!this.flushFailed && !this.destroyed) this.acknowledge(items);
    });
  }

  /**
   * Applies a batch to the doc in one transaction (the batch itself is its origin), in order,
   * and returns the doc's own encoding of what it changed: only what the doc integrated, since
   * what Yjs set aside for missing dependencies is dropped. Each update is first checked
   * against the doc as the earlier ones left it; a refused one is skipped, with everything else
   * its sender sent in the batch, and the sender closed. If an update makes Yjs throw, its
   * sender is closed and `ok: false` returned: the doc then holds part of the batch.
   */
  private applyBatch(items: QueuedUpdate[]): { ok: true; change: Uint8Array | null; bindings: ClientBinding[] } | { ok: false } {
    const { doc, limits, metrics, authorship } = this.options;
    let culprit: QueuedUpdate | null = null;
    const refusedSenders = new Set<WriteOrigin>();
    const bindings: ClientBinding[] = [];
    let structCount = this.structs;
    try {
      const change = transactCapturing(doc, items, () => {
        for (const item of items) {
          if (!item.update || !item.decoded) continue;
          if (refusedSenders.has(item.origin)) {
            item.outcome = 'refused';
            continue;
          }
          const authors = authorship.admit(item.origin, item.decoded);
          if (authors.foreign.length > 0) dropForeignStructs(item, authors.foreign, metrics);
          const check = checkUpdate(doc, item.decoded, limits, structCount);
          if (check.refusal) {
            item.outcome = 'refused';
            refusedSenders.add(item.origin);
            refuseGuarded(item.origin, check.refusal);
            continue;
          }
          structCount += check.addedStructs;
          culprit = item;
          Y.applyUpdate(doc, item.update);
          const unresolved = dropUnresolved(doc);
          item.outcome = unresolved ? 'partial' : 'applied';
          if (authors.unbound.length > 0) bindings.push(...authorship.bind(authors.unbound, item.origin.author.id));
          if (unresolved) {
            metrics.rejected.inc({ reason: 'unresolved_dependencies' });
            item.origin.log.warn({ unresolved }, 'dropped the part of an update that depends on changes this server never received');
          }
        }
        culprit = null;
      });
      return { ok: true, change, bindings };
    } catch (error) {
      const origin = (culprit as QueuedUpdate | null)?.origin;
      const refusal = { code: CloseCode.MALFORMED_MESSAGE, reason: 'invalid_update', message: 'update Yjs cannot apply; closing' } as const;
      if (origin) origin.refuse({ ...refusal, fields: { err: (error as Error).message } });
      else metrics.rejected.inc({ reason: refusal.reason });
      return { ok: false };
    }
  }

  /**
   * Who wrote an applied batch, stored with its change: the authors of the messages applied
   * (as they are named now), who deleted what, and the client ids it bound.
   */
  private metaOf(items: readonly QueuedUpdate[], bindings: ClientBinding[]): AppendMeta {
    const { authorship } = this.options;
    const authors = new Map<string, AuthorRecord>();
    const deletions: { authorId: string; ds: DecodedUpdate['ds'] }[] = [];
    for (const item of items) {
      if (!item.decoded || (item.outcome !== 'applied' && item.outcome !== 'partial')) continue;
      const authorId = item.origin.author.id;
      if (!authors.has(authorId)) authors.set(authorId, authorship.recordOf(item.origin));
      if (item.decoded.ds.clients.size > 0) deletions.push({ authorId, ds: item.decoded.ds });
    }
    return { at: Date.now(), authors: Array.from(authors.values()), attribution: attributeDeletions(deletions), bindings };
  }

  /** Tells each sender that asked how many of its document messages are now stored. */
  private acknowledge(items: readonly QueuedUpdate[]): void {
    const stored = new Map<WriteOrigin, number>();
    const partial = new Set<WriteOrigin>();
    for (const { origin, sequence, outcome } of items) {
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
  private askForWhatIsMissing(connection: WriteOrigin): void {
    const sent = this.sentBy(connection);
    const now = Date.now();
    if (connection.isClosed || now - sent.lastResyncAt < RESYNC_INTERVAL_MS) return;
    sent.lastResyncAt = now;
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.options.doc)));
  }

  /** Runs, in order, the waiting tasks whose batch is forwarded. */
  private runForwardedTasks(): void {
    if (this.destroyed) return;
    let ready = 0;
    while (ready < this.afterForwardedTasks.length && this.afterForwardedTasks[ready].after <= this.batchesForwarded) ready++;
    for (const { task } of this.afterForwardedTasks.splice(0, ready)) task();
  }

  private release(bytes: number): void {
    this.queued -= bytes;
    this.options.health.releaseQueued(bytes);
  }

  private sentBy(connection: WriteOrigin): { messages: number; lastResyncAt: number } {
    let sent = this.sent.get(connection);
    if (!sent) this.sent.set(connection, (sent = { messages: 0, lastResyncAt: 0 }));
    return sent;
  }
}

/**
 * Runs `apply` in one transaction with `origin` and returns the change it made to the doc as
 * one update (what Yjs emits for the transaction), or null if it changed nothing.
 */
function transactCapturing(doc: Y.Doc, origin: unknown, apply: () => void): Uint8Array | null {
  let change: Uint8Array | null = null;
  const capture = (update: Uint8Array, from: unknown) => {
    if (from === origin) change = change ? Y.mergeUpdates([change, update]) : update;
  };
  doc.on('update', capture);
  try {
    Y.transact(doc, apply, origin);
  } finally {
    doc.off('update', capture);
  }
  return change;
}

/**
 * Removes from a queued message the structs it wrote under another author's client ids; the
 * rest of it (its sender's own changes, its deletions) still goes ahead.
 */
function dropForeignStructs(item: QueuedUpdate, foreign: number[], metrics: Metrics): void {
  item.update = withoutClients(item.update!, foreign);
  item.decoded = Y.decodeUpdate(item.update);
  metrics.rejected.inc({ reason: 'foreign_client_id' });
  item.origin.log.warn({ clientIds: foreign.length }, LogMessage.foreignClientIdDropped);
}

/** Closes the sender of an update the document guard refused; the doc is untouched. */
function refuseGuarded(connection: WriteOrigin, refusal: GuardRefusal): void {
  connection.refuse({
    code: refusal.reason === 'too_many_structs' ? CloseCode.DOCUMENT_TOO_LARGE : CloseCode.MALFORMED_MESSAGE,
    reason: refusal.reason,
    message: 'update refused by the document guard; closing',
    fields: { reason: refusal.reason, detail: refusal.detail },
  });
}
