/**
 * The one event-loop turn in which rooms apply and store what arrived. Every frame read in one
 * poll phase joins its room's batch; at the turn (one setImmediate for the whole process) each
 * room with queued frames applies its batch and hands the change to storage synchronously, and
 * storage's group commit (storage/group-commit.ts) flushes at the next microtask checkpoint: so
 * a keystroke waits one turn, and the batches of every room written in that turn share one
 * commit (one fsync).
 */

export class WriteTurn {
  private readonly waiting: (() => void)[] = [];

  /** Runs `task` at the next turn, with every other task that asked before it came. */
  join(task: () => void): void {
    this.waiting.push(task);
    if (this.waiting.length === 1) setImmediate(this.run);
  }

  private readonly run = (): void => {
    for (const task of this.waiting.splice(0)) task();
  };
}

/** The process's turn: rooms built without one (tests, the registry's default) share it. */
export const processWriteTurn = new WriteTurn();
