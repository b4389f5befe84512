/**
 * One room's appends, kept trying through a short storage outage: a failed write is retried
 * with backoff, never dropped, until STORAGE_FAILURE_TIMEOUT_MS has passed (or the process is
 * shutting down); then the caller gets null and gives the room up, while the senders still
 * hold the change and resend it. A write that hangs instead of failing counts as failed
 * at the deadline. What it resolves with is a written append and its flush still to come
 * (storage/flush-pipeline.ts); a failed flush is not retried here (see flushFailed).
 */
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { AppendMeta, DocumentLog } from '../storage';
import type { StorageHealth } from '../storage-health';
import { LogMessage } from '../log-messages';

/** Longest pause between retries of a failing storage append. */
const MAX_APPEND_RETRY_DELAY_MS = 5_000;

export interface RetryingAppendOptions {
  name: string;
  storage: DocumentLog;
  logger: Logger;
  metrics: Metrics;
  health: StorageHealth;
}

/** A written append: its position, and its flush (rejects if the flush fails). */
export interface WrittenAppend {
  head: number;
  flushed: Promise<void>;
}

export class RetryingAppend {
  private readonly options: RetryingAppendOptions;
  private failingNow = false;
  /** Cleared at shutdown: a failing append gives up at once (its senders still hold it). */
  private retrying = true;
  /** Ends the pause between two append attempts early. */
  private wakeRetry: (() => void) | null = null;

  constructor(options: RetryingAppendOptions) {
    this.options = options;
  }

  /** Whether the current append has failed at least once and is being retried. */
  get failing(): boolean {
    return this.failingNow;
  }

  /**
   * Appends `update` (with who wrote it, `meta`) to the room's log; resolves once it is
   * written, or null once writing has failed for STORAGE_FAILURE_TIMEOUT_MS (or at shutdown).
   * The first attempt starts synchronously, so appends made in one write turn share one
   * storage commit.
   */
  async append(update: Uint8Array, meta?: AppendMeta): Promise<WrittenAppend | null> {
    const { name, metrics, health, logger } = this.options;
    const started = Date.now();
    const deadline = started + health.storageFailureTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      // performance.now() rather than prom-client's startTimer (hrtime arrays, a labels object per call).
      const attemptStarted = performance.now();
      try {
        const staged = this.options.storage.appendInStages(name, update, meta);
        const head = await this.before(staged.written, deadline);
        metrics.storageWriteSeconds.observe((performance.now() - attemptStarted) / 1000);
        this.failingNow = false;
        health.appendStored(name, update.byteLength);
        return { head, flushed: staged.flushed };
      } catch (error) {
        this.failingNow = true;
        health.appendFailed(name, started, error as Error);
        const delayMs = Math.min(MAX_APPEND_RETRY_DELAY_MS, 50 * 2 ** attempt, Math.max(0, deadline - Date.now()));
        if (!this.retrying || delayMs === 0) {
          health.appendAbandoned(name);
          logger.error(
            { err: (error as Error).message, attempt, failingMs: Date.now() - started },
            'storage append failed; giving up on this room (4504), its clients keep their changes',
          );
          return null;
        }
        logger.error({ err: (error as Error).message, attempt, delayMs }, LogMessage.appendRetrying);
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
   * Shutdown: an append that fails from now on is not retried. Its senders were closed
   * (1012) without an ack, so they resend it to whichever server they reach next.
   */
  stopRetrying(): void {
    this.retrying = false;
    this.wakeRetry?.();
  }

  /**
   * A flush failed: the room's written changes are not known to be on disk, and retrying the
   * flush proves nothing (after a failed fsync the kernel may have dropped the pages it could
   * not write, and the next fsync succeeds without them). Recorded as a failed append
   * (/readyz); the caller gives the room up, and its senders, never acknowledged, resend
   * their changes to be written again.
   */
  flushFailed(error: Error): void {
    const { name, health, logger } = this.options;
    health.appendFailed(name, Date.now(), error);
    health.appendAbandoned(name);
    logger.error({ err: error.message }, LogMessage.flushFailed);
  }

  /**
   * The write, failing if it has not settled by `deadline`: a backend that hangs rather
   * than fails must not hold the room for ever. If it is stored after all, the senders'
   * resend stores it twice, which is harmless (a Yjs update applied again changes nothing).
   */
  private before(written: Promise<number>, deadline: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('storage append did not settle in time')), Math.max(0, deadline - Date.now()));
    });
    return Promise.race([written, timeout]).finally(() => clearTimeout(timer));
  }
}
