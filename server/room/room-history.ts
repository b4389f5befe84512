/**
 * When a loaded room's history gets its versions. Compaction (compaction.ts) turns the log it
 * folds into history segments as the planner (history/planner.ts) says; this file decides when
 * to ask: after editing pauses (an automatic version appears once the pause is long enough,
 * even if nobody writes again), and on demand for named, pre-restore and restore versions,
 * which land exactly at the head: everything stored so far is in them.
 */
import type { Logger } from '../log';
import { LogMessage } from '../log-messages';
import type { HistoryPlanner, VersionCut } from '../history/planner';
import type { VersionRecord } from '../storage';
import type { Compaction } from './compaction';

export interface RoomHistoryOptions {
  compaction: Compaction;
  planner: HistoryPlanner;
  logger: Logger;
  /** The pause after which editing makes an automatic version (VERSION_PAUSE_MS). */
  pauseMs: number;
  /** Resolves once everything received so far is stored (the durable writer). */
  whenStored: () => Promise<void>;
}

/** Slack past the pause before the idle compaction, so the last entry is surely old enough. */
const IDLE_SLACK_MS = 1_000;

export class RoomHistory {
  private readonly options: RoomHistoryOptions;
  private idleTimer: NodeJS.Timeout | null = null;
  private destroyed = false;

  constructor(options: RoomHistoryOptions) {
    this.options = options;
  }

  /** Something was stored: an automatic version follows once editing pauses. */
  edited(): void {
    if (this.destroyed) return;
    // Pushed back, not replaced: this runs for every stored batch (every keystroke at low load).
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.settle().catch((error: Error) => this.options.logger.warn({ err: error.message }, 'closing the version after a pause failed; retried at the next compaction'));
    }, this.options.pauseMs + IDLE_SLACK_MS);
    this.idleTimer.unref();
  }

  /**
   * Brings automatic versions up to date: folds what is stored, ending the open stretch of
   * editing if it paused long enough.
   */
  async settle(): Promise<void> {
    await this.options.whenStored();
    await this.options.compaction.compact(this.options.planner);
  }

  /** A version of `cut`'s kind at the head: after everything stored so far. */
  async cut(cut: VersionCut): Promise<VersionRecord> {
    await this.options.whenStored();
    const { versions } = await this.options.compaction.compactWithPlan(this.options.planner.cutNow(cut));
    const version = versions.at(-1);
    if (!version) throw new Error('the version could not be written; try again');
    this.options.logger.info({ kind: version.kind, version: version.id }, LogMessage.versionCreated);
    return version;
  }

  destroy(): void {
    this.destroyed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
