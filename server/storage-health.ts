/**
 * What the process knows about its storage beyond "it answers a read": whether it is full
 * (MAX_STORAGE_BYTES, MIN_FREE_DISK_BYTES), how many received bytes wait unstored in memory
 * across all rooms (MAX_QUEUED_BYTES), and whether appends are failing, for readiness. Rooms
 * ask it before they accept a document message and report every append's outcome to it.
 */
import { roomLogId, type Logger } from './log';
import type { DocumentLog } from './storage';

export interface StorageHealthOptions {
  storage: DocumentLog;
  logger: Logger;
  /** Most bytes storage may hold (0: no limit). */
  maxStorageBytes: number;
  /** Free bytes the database's filesystem must keep (0: no floor; local files only). */
  minFreeDiskBytes: number;
  /** Most bytes all rooms together may hold received but not yet stored. */
  maxQueuedBytes: number;
  /** How long a room's append may keep failing before the room gives up (closes with 4504). */
  storageFailureTimeoutMs: number;
  /** How old the sampled size and free space may get before they are measured again. */
  sampleIntervalMs?: number;
}

/** What readiness reports about writes. */
export interface WriteHealth {
  /** `failing`: appends fail (or the last one did and a write probe fails too). */
  writes: 'ok' | 'failing';
  /** Set while new content is refused because storage is full. */
  full: 'quota' | 'disk' | null;
  /** Why writes are failing, for the readiness body (never names files or hosts). */
  detail?: string;
}

/** Measuring is a cheap query or statfs; every couple of seconds keeps the estimate close. */
const DEFAULT_SAMPLE_INTERVAL_MS = 2_000;

export class StorageHealth {
  readonly storageFailureTimeoutMs: number;
  private readonly options: StorageHealthOptions;
  private readonly sampleIntervalMs: number;
  /** The last measurement, and what was stored since (added to it until the next one). */
  private usedBytes = 0;
  private freeDiskBytes: number | null = null;
  private storedSinceSample = 0;
  private sampledAt = 0;
  private sampling: Promise<void> | null = null;
  private queued = 0;
  /** What the newest content check found: readiness reports storage full while it refuses. */
  private lastRefusal: 'quota' | 'disk' | null = null;
  /** Rooms whose current append has failed, and when that append was first tried. */
  private readonly failing = new Map<string, number>();
  /** The newest append outcome was a failure (cleared by a stored append or a write probe). */
  private lastAppendFailed = false;

  constructor(options: StorageHealthOptions) {
    this.options = options;
    this.storageFailureTimeoutMs = options.storageFailureTimeoutMs;
    this.sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    if (this.limitsSize) void this.sample();
  }

  /** Bytes received and not yet stored, over all rooms. */
  get queuedBytes(): number {
    return this.queued;
  }

  /**
   * Whether storing `bytes` more would pass MAX_STORAGE_BYTES or the free-space floor, by the
   * last measurement plus what was stored and queued since (a stale one is renewed meanwhile).
   */
  fullFor(bytes: number): 'quota' | 'disk' | null {
    if (!this.limitsSize) return null;
    if (Date.now() - this.sampledAt > this.sampleIntervalMs) void this.sample();
    this.lastRefusal = this.limitPassedBy(bytes);
    return this.lastRefusal;
  }

  /** Counts `bytes` as queued unless that passes MAX_QUEUED_BYTES; says whether it did. */
  reserveQueued(bytes: number): boolean {
    if (this.queued + bytes > this.options.maxQueuedBytes) return false;
    this.queued += bytes;
    return true;
  }

  /** Queued bytes that were applied (and go to storage now) or dropped. */
  releaseQueued(bytes: number): void {
    this.queued = Math.max(0, this.queued - bytes);
  }

  /** A room's append failed; `since` is when that append was first tried. */
  appendFailed(room: string, since: number, error: Error): void {
    if (this.failing.size === 0 && !this.lastAppendFailed) {
      this.options.logger.error({ room: roomLogId(room), err: error.message }, 'storage appends are failing; rooms hold their changes and retry');
    }
    if (!this.failing.has(room)) this.failing.set(room, since);
    this.lastAppendFailed = true;
  }

  /** A room's append is stored (after failures or not). */
  appendStored(room: string, bytes: number): void {
    this.storedSinceSample += bytes;
    this.failing.delete(room);
    if (this.lastAppendFailed && this.failing.size === 0) this.recovered('an append was stored');
    this.lastAppendFailed = false;
  }

  /** A room stopped retrying (it gave up, or the process is shutting down). */
  appendAbandoned(room: string): void {
    this.failing.delete(room);
  }

  /** Readiness: failing while any room's append fails, or the last one failed and a probe does too. */
  async check(): Promise<WriteHealth> {
    const full = this.full;
    if (this.failing.size > 0) {
      const oldest = Math.min(...this.failing.values());
      const seconds = Math.round((Date.now() - oldest) / 1000);
      return { writes: 'failing', full, detail: `appends failing for ${seconds} s in ${this.failing.size} room(s)` };
    }
    if (!this.lastAppendFailed) return { writes: 'ok', full };
    // No room is retrying (they gave up), so nothing else would notice that writes work again.
    try {
      await this.options.storage.probeWrite();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'storage write probe failed');
      return { writes: 'failing', full, detail: 'the last append failed, and so does a write probe' };
    }
    if (this.lastAppendFailed && this.failing.size === 0) this.recovered('a write probe was stored');
    this.lastAppendFailed = false;
    return { writes: 'ok', full };
  }

  private limitPassedBy(bytes: number): 'quota' | 'disk' | null {
    const coming = this.storedSinceSample + this.queued + bytes;
    const { maxStorageBytes, minFreeDiskBytes } = this.options;
    if (maxStorageBytes > 0 && this.usedBytes + coming > maxStorageBytes) return 'quota';
    if (minFreeDiskBytes > 0 && this.freeDiskBytes !== null && this.freeDiskBytes - coming < minFreeDiskBytes) return 'disk';
    return null;
  }

  /** Full by the figures alone, or the newest message that would add content was refused. */
  private get full(): 'quota' | 'disk' | null {
    if (!this.limitsSize) return null;
    return this.limitPassedBy(0) ?? this.lastRefusal;
  }

  private get limitsSize(): boolean {
    return this.options.maxStorageBytes > 0 || this.options.minFreeDiskBytes > 0;
  }

  private recovered(how: string): void {
    this.options.logger.info({ how }, 'storage appends succeed again');
  }

  private sample(): Promise<void> {
    this.sampling ??= (async () => {
      const { storage } = this.options;
      try {
        const storedBefore = this.storedSinceSample;
        const [used, free] = await Promise.all([
          this.options.maxStorageBytes > 0 ? storage.usedBytes() : Promise.resolve(0),
          this.options.minFreeDiskBytes > 0 ? storage.freeDiskBytes() : Promise.resolve(null),
        ]);
        this.usedBytes = used;
        this.freeDiskBytes = free;
        // What was stored while measuring may or may not be in the figures: count it once more.
        this.storedSinceSample -= storedBefore;
      } catch (error) {
        this.options.logger.debug({ err: (error as Error).message }, 'measuring storage size failed; keeping the last figures');
      } finally {
        this.sampledAt = Date.now();
        this.sampling = null;
      }
    })();
    return this.sampling;
  }
}
