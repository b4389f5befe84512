/**
 * Durable appends for SQLite storage, committed on a worker thread (sqlite-append-worker.mjs).
 * The fsync of a commit takes ~0.5 ms at the median and several at the tail on this kind of
 * disk; on the event loop it stalls every room. Here the loop keeps reading, applying and
 * forwarding while the worker commits, and everything requested meanwhile goes into the next
 * transaction (group commit). A promise resolves only after its row is committed.
 */
import { Worker } from 'node:worker_threads';

interface PendingAppend {
  room: string;
  update: Uint8Array;
  resolve: (head: number) => void;
  reject: (error: Error) => void;
}

type WorkerReply = { batch: number; heads: number[] } | { batch: number; error: string };

const WORKER_URL = new URL('./sqlite-append-worker.mjs', import.meta.url);

export class SqliteAppender {
  private worker: Worker | null = null;
  private queued: PendingAppend[] = [];
  private inFlight: PendingAppend[] | null = null;
  private batchNumber = 0;
  private flushScheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly synchronous: 'full' | 'normal',
  ) {
    // Start now: a worker takes tens of milliseconds to load, which the first append must not wait for.
    this.workerOrStart();
  }

  /** Resolves with the new row id once `update` is committed. */
  append(room: string, update: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queued.push({ room, update, resolve, reject });
      // Let every append requested in this event-loop turn join one transaction.
      if (!this.inFlight && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Commits what is queued and stops the worker. */
  async close(): Promise<void> {
    while (this.inFlight || this.queued.length > 0 || this.flushScheduled) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref();
      worker.postMessage({ type: 'close' });
      await exited;
    }
  }

  private flush(): void {
    if (this.inFlight || this.queued.length === 0) {
      if (!this.inFlight && this.queued.length === 0) this.notifyIdle();
      return;
    }
    const items = this.queued;
    this.queued = [];
    this.inFlight = items;
    this.batchNumber += 1;
    const worker = this.workerOrStart();
    // Keep the process alive while a commit is pending; an idle worker holds nothing up.
    worker.ref();
    worker.postMessage({
      batch: this.batchNumber,
      rooms: items.map((item) => item.room),
      updates: items.map((item) => item.update),
    });
  }

  private settle(reply: WorkerReply): void {
    const items = this.inFlight;
    if (!items || reply.batch !== this.batchNumber) return;
    this.inFlight = null;
    this.worker?.unref();
    if ('error' in reply) {
      const error = new Error(reply.error);
      for (const item of items) item.reject(error);
    } else {
      items.forEach((item, i) => item.resolve(reply.heads[i]));
    }
    this.flush();
  }

  /** A worker that died (it should not) fails its batch; the next append starts a new one. */
  private failInFlight(error: Error): void {
    this.worker = null;
    const items = this.inFlight;
    this.inFlight = null;
    for (const item of items ?? []) item.reject(error);
    this.flush();
  }

  private workerOrStart(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: { file: this.file, synchronous: this.synchronous } });
    // Never keeps the process alive on its own; close() stops it deliberately.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => {
      if (this.worker === worker) this.failInFlight(error);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.failInFlight(new Error(`SQLite append worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private notifyIdle(): void {
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
