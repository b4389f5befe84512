/**
 * Flush pipelining, shared by the SQLite and PostgreSQL backends: an append is committed
 * without waiting for the disk (written: it survives a crash of this process), and a flush
 * (SQLite: fdatasync of the WAL; PostgreSQL: a synchronous commit) later makes everything
 * written before it start survive power loss too. One flush runs at a time; the commits
 * written while it runs share the next one, so the disk never holds up a write, and a busy
 * server pays one flush per flush time rather than one per commit.
 */

import type { StagedAppend } from './types';

/** Makes everything written before it was called durable; rejects if it could not. */
export type Flush = () => Promise<void>;

export interface FlushPipeline {
  /**
   * Call right after a commit was written: resolves once a flush that started after this
   * call completed (the commit is then on disk), rejects if that flush failed.
   */
  afterWrite(): Promise<void>;
  /** Resolves once no flush is running or waiting (close). */
  idle(): Promise<void>;
}

/** Creates an idle pipeline over `flush`. */
export function createFlushPipeline(flush: Flush): FlushPipeline {
  /** The flush under way, if any: it may have started before the latest commit was written. */
  let running: Promise<void> | null = null;
  /** The flush that starts once `running` ends: every commit written meanwhile waits for it. */
  let next: Promise<void> | null = null;

  const start = (): Promise<void> => {
    let flushing: Promise<void>;
    try {
      flushing = flush();
    } catch (error) {
      flushing = Promise.reject(error as Error);
    }
    running = flushing;
    // Settled either way: the next flush starts when this one ends, failed or not.
    void flushing.then(finished, finished);
    return flushing;
  };
  const finished = () => {
    running = null;
  };
  /** Starts the flush the commits written during the last one wait for. */
  const startNext = (): Promise<void> => {
    next = null;
    return start();
  };

  return {
    afterWrite() {
      if (!running) return quiet(start());
      // The running flush may have started before this commit was written: wait for the next.
      next ??= running.then(startNext, startNext);
      return quiet(next);
    },
    async idle() {
      while (running || next) await Promise.allSettled([running, next]);
    },
  };
}

/** The same promise, marked as handled: a caller that only awaits `written` leaks no unhandled rejection. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** What a backend's group commit answers each append with: its position, and its flush. */
export interface CommittedAppend {
  id: number;
  flushed: Promise<void>;
}

/** An append whose commit is `committed`, in its two stages (both marked as handled). */
export function stagedAppend(committed: Promise<CommittedAppend>): StagedAppend {
  const written = committed.then((result) => result.id);
  const flushed = committed.then((result) => result.flushed);
  return { written: quiet(written), flushed: quiet(flushed) };
}

/** `append` over `appendInStages`: the position, once the update is flushed. */
export async function appendFlushed(staged: StagedAppend): Promise<number> {
  await staged.flushed;
  return staged.written;
}
