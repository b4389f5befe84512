/**
 * Group commit, shared by the SQLite and PostgreSQL backends: every item submitted in one
 * synchronous run (until the next microtask checkpoint), from any room, goes into one commit,
 * so a busy server pays one fsync or round trip per event-loop turn rather than one per room.
 * The commit starts in a microtask, in the same turn as the submissions: a room that applies
 * its batch and appends it gets its commit under way before the event loop moves on. One
 * commit runs at a time; whatever is submitted while an asynchronous one is in flight waits
 * and goes into the next.
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

/** Creates an empty group commit over `commit`. */
export function createGroupCommit<Item, Result>(commit: CommitBatch<Item, Result>): GroupCommit<Item, Result> {
  let queued: Submission<Item, Result>[] = [];
  let scheduled = false;
  /** The asynchronous commit under way, settled (never rejected) once its submitters are answered. */
  let inFlight: Promise<void> | null = null;

  const schedule = () => {
    if (scheduled || inFlight || queued.length === 0) return;
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
    if (inFlight || queued.length === 0) return;
    const batch = queued;
    queued = [];
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
    inFlight = outcome.then(
      (results) => answer(batch, results),
      (error: unknown) => fail(batch, error),
    );
    void inFlight.then(() => {
      inFlight = null;
      schedule();
    });
  }

  return {
    submit(item) {
      return new Promise<Result>((resolve, reject) => {
        queued.push({ item, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (inFlight || queued.length > 0) {
        if (inFlight) await inFlight;
        else run();
      }
    },
  };
}
