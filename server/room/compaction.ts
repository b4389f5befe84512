/**
 * How much a room takes in storage (snapshot + log, for MAX_DOCUMENT_BYTES), and when and how
 * its log is folded into one snapshot. Compaction folds what storage holds, not the live doc:
 * with several server instances another one may have stored entries this doc lacks. It is
 * safe while clients write (storage keeps entries appended meanwhile) and while another
 * instance compacts (storage serializes them). A snapshot that would not load is never written.
 */
import { foldOffTheEventLoop } from '../document-fold';
import type { Logger } from '../log';
import type { CompactionResult, DocumentLog, PlanHistory, StoredDocument } from '../storage';
import { LogMessage } from '../log-messages';

/** Log bytes below which only the entry count triggers compaction. */
const COMPACT_MIN_LOG_BYTES = 1024 * 1024;

export interface CompactionOptions {
  name: string;
  storage: DocumentLog;
  logger: Logger;
  /** Log entries after which the room compacts itself in the background (COMPACT_AFTER_UPDATES). */
  compactAfterUpdates: number;
  /** The document guard's nesting bound, which the fold re-applies. */
  maxNestingDepth: number;
  /** How folded entries become history segments and versions (history/planner.ts). */
  planHistory: PlanHistory;
}

/** Attempts at a compaction that must write a version, when others keep committing first. */
const CUT_ATTEMPTS = 3;

export class Compaction {
  private readonly options: CompactionOptions;
  /** Storage position of the newest entry this doc contains. */
  private head: number;
  /** Log entries in storage not yet folded into the snapshot. */
  private logLength: number;
  /** Bytes of the stored snapshot, and of the log entries after it. */
  private snapshotBytes: number;
  private logBytes: number;
  private compacting: Promise<void> | null = null;

  constructor(stored: StoredDocument, options: CompactionOptions) {
    this.options = options;
    this.head = stored.head;
    this.logLength = stored.logLength;
    // The snapshot, when there is one, comes first and is the one entry not in the log.
    this.snapshotBytes = stored.updates.length > stored.logLength ? stored.updates[0].byteLength : 0;
    this.logBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0) - this.snapshotBytes;
  }

  /** Bytes stored for this room: snapshot plus log. */
  get storedBytes(): number {
    return this.snapshotBytes + this.logBytes;
  }

  /** Whether the log holds entries a compaction would fold. */
  get hasUncompactedLog(): boolean {
    return this.logLength > 0;
  }

  /** Notes one appended log entry; compacts in the background once the log is due. */
  appended(head: number, bytes: number): void {
    this.head = head;
    this.logLength += 1;
    this.logBytes += bytes;
    this.compactIfDue();
  }

  /**
   * Compact when the log has many entries, or when it outweighs the snapshot: a burst can put
   * thousands of edits in one entry, and a log much larger than its snapshot loads slowly.
   */
  compactIfDue(): void {
    const due =
      this.logLength >= this.options.compactAfterUpdates ||
      (this.logLength > 1 && this.logBytes > Math.max(COMPACT_MIN_LOG_BYTES, this.snapshotBytes));
    if (due) this.compactInBackground();
  }

  compactInBackground(): void {
    if (this.compacting) return;
    this.compact().catch((error: Error) => {
      this.options.logger.error({ err: error.message }, 'compaction failed; the log is kept and retried later');
    });
  }

  /**
   * Folds the stored log into one snapshot, keeping what it folds as history (one compaction at
   * a time per room). `plan` defaults to the routine planner.
   */
  compact(plan: PlanHistory = this.options.planHistory): Promise<void> {
    this.compacting ??= this.run(plan)
      .then(() => undefined)
      .finally(() => {
        this.compacting = null;
      });
    return this.compacting;
  }

  /** Resolves once no compaction of this room runs (one that runs now may start another: waited for too). */
  async idle(): Promise<void> {
    while (this.compacting) await this.compacting.catch(() => undefined);
  }

  /**
   * A compaction with `plan` (one that must write a version at the head), after any running
   * one; resolves with what it wrote. Retried when another instance's compaction commits first.
   */
  async compactWithPlan(plan: PlanHistory): Promise<CompactionResult> {
    for (let attempt = 1; ; attempt++) {
      while (this.compacting) await this.compacting.catch(() => undefined);
      let written: CompactionResult | null = null;
      this.compacting = this.run(plan)
        .then((result) => {
          written = result;
        })
        .finally(() => {
          this.compacting = null;
        });
      await this.compacting;
      if (written) return written;
      if (attempt === CUT_ATTEMPTS) throw new Error('another compaction kept committing first');
    }
  }

  private async run(plan: PlanHistory): Promise<CompactionResult | null> {
    const started = performance.now();
    const { name, storage, maxNestingDepth, logger } = this.options;
    const result = await storage.compact(name, (updates) => foldOffTheEventLoop(updates, maxNestingDepth), plan);
    if (!result) return null;
    // Entries this room appended meanwhile stay in the log on top of the snapshot.
    this.logLength = Math.max(0, this.logLength - result.folded);
    this.logBytes = Math.max(0, this.logBytes - result.foldedBytes);
    if (result.folded > 0) this.snapshotBytes = result.snapshotBytes;
    logger.debug(
      { folded: result.folded, bytes: result.snapshotBytes, versions: result.versions.length, head: this.head, ms: Math.round(performance.now() - started) },
      LogMessage.roomCompacted,
    );
    return result;
  }
}
