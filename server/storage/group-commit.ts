/**
 * Group commit, shared by the SQLite and PostgreSQL backends: every item submitted in one
 * synchronous run (until the next microtask checkpoint), from any room, goes into one commit,
 * so a busy server pays one fsync or round trip per event-loop turn rather than one per room.
 * The commit starts in a microtask, in the same turn as the submissions: a room that applies
 * its batch and appends it gets its commit under way before the event loop moves on.
 * Asynchronous commits (PostgreSQL) may overlap, up to `maxInFlight`: one slow statement must
 * not hold every other room's appends behind it (each room has at most one append outstanding,
 * so commits need no order between them). Past that, what is submitted waits and goes into the
 * next commit, at most `maxItems` per commit.
 */

/** Commits `items` together; returns one result per item, in order (or throws for all). */
export type CommitBatch<Item, Result> = (items: Item[]) => Result[] | Promise<Result[]>;

/** A queue of items committed in groups. */
export interface GroupCommit<Item, Result> {
  /** Queues `item` for the next commit; resolves with its result, or rejects with that commit's error. */
  submit(item: Item): Promise<Result>;
  /** Commits what is queued now, without waiting for the microtask; resolves once nothing is queued or in flight. */
  flush(): Promise<void>;
}

interface Submission<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

export interface GroupCommitOptions {
  /** Asynchronous commits that may run at once (default 1). */
  maxInFlight?: number;
  /** Most items in one commit (default: no limit). */
  maxItems?: number;
}

/** Creates an empty group commit over `commit`. */
export function createGroupCommit<Item, Result>(
  commit: CommitBatch<Item, Result>,
  { maxInFlight = 1, maxItems = Infinity }: GroupCommitOptions = {},
): GroupCommit<Item, Result> {
  const queued: Submission<Item, Result>[] = [];
  let scheduled = false;
  /** The asynchronous commits under way, each settled (never rejected) once its submitters are answered. */
  const inFlight = new Set<Promise<void>>();

  const schedule = () => {
    if (scheduled || inFlight.size >= maxInFlight || queued.length === 0) return;
    scheduled = true;
    queueMicrotask(run);
  };

  const answer = (batch: Submission<Item, Result>[], results: Result[]) => {
    if (results.length !== batch.length) {
      fail(batch, new Error(`a group commit returned ${results.length} results for ${batch.length} items`));
      return;
    }
    batch.forEach((submission, i) => submission.resolve(results[i]));
  };
  const fail = (batch: Submission<Item, Result>[], error: unknown) => {
    const reason = error instanceof Error ? error : new Error(String(error));
    for (const submission of batch) submission.reject(reason);
  };

  function run(): void {
    scheduled = false;
    if (inFlight.size >= maxInFlight || queued.length === 0) return;
    const batch = queued.splice(0, maxItems);
    let outcome: Result[] | Promise<Result[]>;
    try {
      outcome = commit(batch.map((submission) => submission.item));
    } catch (error) {
      fail(batch, error);
      schedule();
      return;
    }
    if (!(outcome instanceof Promise)) {
      answer(batch, outcome);
      schedule();
      return;
    }
    const settled = outcome.then(
      (results) => answer(batch, results),
      (error: unknown) => fail(batch, error),
    );
    inFlight.add(settled);
    void settled.then(() => {
      inFlight.delete(settled);
      schedule();
    });
    // More waiting than one commit takes, and room for another: start it too.
    schedule();
  }

  return {
    submit(item) {
      return new Promise<Result>((resolve, reject) => {
        queued.push({ item, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (inFlight.size > 0 || queued.length > 0) {
        if (queued.length > 0 && inFlight.size < maxInFlight) run();
        else await Promise.race(inFlight);
      }
    },
  };
}
