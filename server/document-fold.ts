/**
 * Folding a room's stored updates into one snapshot (compaction). A large room's fold takes
 * seconds of CPU, during which a single-threaded server would answer nobody in any room, so
 * folds above FOLD_IN_WORKER_BYTES run on a worker thread; small ones stay here, where they
 * cost less than a message to a worker. The same worker merges a compaction's history
 * segments (history/segment-merge.ts), the other half of folding a large log.
 */
import { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import { repairDocument } from './document-guard';
import type { MergedSegment } from './history/segment-merge';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Stored bytes above which a fold runs on the worker thread. */
export const FOLD_IN_WORKER_BYTES = 256 * 1024;
/**
 * An idle worker is stopped after this long: its heap holds what the last fold built (tens of
 * MiB for a large room) until it is collected, and a new worker starts in tens of milliseconds.
 */
const FOLD_WORKER_IDLE_MS = 5_000;
/**
 * A fold still running after this long is given up (the worker is stopped, so the next fold
 * starts afresh): the room keeps its log, and one pathological fold never holds up the
 * compaction and unloading of every other room queued behind it.
 */
export const FOLD_TIMEOUT_MS = 60_000;

/**
 * Folds stored updates into one snapshot by loading them into a fresh doc, which also proves
 * the snapshot loads (an unreadable row throws, and nothing is written). The fold repairs what
 * the document guard would refuse today (rows stored before it existed): dangling structs and
 * deletions are dropped, content nested deeper than `maxNestingDepth` deleted.
 */
export function foldIntoSnapshot(updates: Uint8Array[], maxNestingDepth: number): Uint8Array {
  const doc = new Y.Doc();
  try {
    Y.transact(doc, () => {
      for (const update of updates) Y.applyUpdate(doc, update);
    });
    repairDocument(doc, maxNestingDepth);
    return Y.encodeStateAsUpdate(doc);
  } catch (error) {
    throw new Error(`stored updates would not fold into a snapshot: ${(error as Error).message}`);
  } finally {
    doc.destroy();
  }
}

/** What the worker is asked, and what it answers. */
export type FoldRequest =
  | { id: number; kind: 'fold'; updates: Uint8Array[]; maxNestingDepth: number }
  | { id: number; kind: 'segment'; updates: Uint8Array[]; attributions: (Uint8Array | null)[] };
export type FoldResponse = { id: number; result: Uint8Array | MergedSegment } | { id: number; error: string };

/** Folds on the worker thread when the updates are large, else here. */
export function foldOffTheEventLoop(updates: Uint8Array[], maxNestingDepth: number, timeoutMs = FOLD_TIMEOUT_MS): Promise<Uint8Array> {
  const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0);
  if (bytes <= FOLD_IN_WORKER_BYTES) return Promise.resolve().then(() => foldIntoSnapshot(updates, maxNestingDepth));
  return foldWorker().run({ kind: 'fold', updates, maxNestingDepth }, timeoutMs) as Promise<Uint8Array>;
}

/** Runs a history segment merge on the fold worker (history/segment-merge.ts decides when). */
export function mergeSegmentOnWorker(updates: Uint8Array[], attributions: (Uint8Array | null)[], timeoutMs = FOLD_TIMEOUT_MS): Promise<MergedSegment> {
  return foldWorker().run({ kind: 'segment', updates, attributions }, timeoutMs) as Promise<MergedSegment>;
}

/**
 * One worker for the whole process, started on first use and stopped once idle for
 * FOLD_WORKER_IDLE_MS; unreferenced while idle, so it never keeps a process from exiting.
 * Folds queue on it one after another.
 */
class FoldWorker {
  private worker: Worker | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (result: Uint8Array | MergedSegment) => void; reject: (error: Error) => void }>();

  run(job: DistributiveOmit<FoldRequest, 'id'>, timeoutMs: number): Promise<Uint8Array | MergedSegment> {
    const worker = this.start();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    return new Promise<Uint8Array | MergedSegment>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.worker !== worker) return;
        this.fail(worker, new Error(`a ${job.kind} took longer than ${timeoutMs} ms`));
        void worker.terminate();
      }, timeoutMs);
      timer.unref();
      const settle = () => clearTimeout(timer);
      this.waiting.set(id, {
        resolve: (result) => {
          settle();
          resolve(result);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      worker.ref();
      worker.postMessage({ ...job, id } as FoldRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // The server runs from TypeScript under tsx; a worker has to register tsx itself first.
    const entry = new URL('./fold-worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    const worker = new Worker(boot, { eval: true, name: 'tandem-fold' });
    worker.on('message', (response: FoldResponse) => {
      const waiter = this.waiting.get(response.id);
      if (!waiter) return;
      this.waiting.delete(response.id);
      if ('result' in response) waiter.resolve(response.result);
      else waiter.reject(new Error(response.error));
      if (this.waiting.size === 0) this.idle(worker);
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Rejects every fold waiting on `worker`, which will answer none of them. */
  private fail(worker: Worker, error: Error): void {
    // A worker stopped when idle had nothing waiting, and may have a successor by now.
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiter of this.waiting.values()) waiter.reject(new Error(`fold worker failed: ${error.message}`));
    this.waiting.clear();
  }

  private idle(worker: Worker): void {
    worker.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.worker !== worker || this.waiting.size > 0) return;
      this.worker = null;
      void worker.terminate();
    }, FOLD_WORKER_IDLE_MS);
    this.idleTimer.unref();
  }
}

let shared: FoldWorker | null = null;
function foldWorker(): FoldWorker {
  shared ??= new FoldWorker();
  return shared;
}
