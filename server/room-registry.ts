/**
 * The rooms and who is in them: loads a room once however many clients arrive together, keeps
 * each room's members (joined, or waiting for its load), closes them for the whole server
 * (rotation of a view link, shutdown), and unloads a room (stored, compacted, memory
 * returned) a grace period after its last client left.
 */
import { CloseCode, type CloseCodeValue } from '../lib/protocol/close-codes';
import { TITLE_TEXT_NAME } from '../lib/protocol/document-schema';
import type { Connection } from './connection';
import type { DocumentLimits } from './document-guard';
import { roomLogId, type Logger } from './log';
import { foldOffTheEventLoop } from './document-fold';
import { createHistoryPlanner, type HistoryPlanner } from './history/planner';
import { newVersionId } from './history/version-id';
import type { Metrics } from './metrics';
import { Room } from './room';
import type { LoadedRooms } from './room/admission';
import { WriteTurn } from './room/write-turn';
import type { ScaleOut } from './scale-out';
import type { DocumentLog } from './storage';
import type { StorageHealth } from './storage-health';
import { LogMessage } from './log-messages';

export interface RoomRegistryOptions {
  storage: DocumentLog;
  logger: Logger;
  metrics: Metrics;
  roomUnloadDelayMs: number;
  compactAfterUpdates: number;
  /** Editing pause that ends an automatic version (VERSION_PAUSE_MS). */
  versionPauseMs: number;
  /** Longest stretch of continuous editing in one automatic version (VERSION_MAX_SPAN_MS). */
  versionMaxSpanMs: number;
  maxDocumentBytes: number;
  /** Root names content may live under (DOCUMENT_ROOT_NAMES). */
  documentRootNames: string[];
  /** Deepest nesting of types an update may create (MAX_NESTING_DEPTH). */
  maxNestingDepth: number;
  /** Most structs one document may hold (MAX_DOCUMENT_STRUCTS). */
  maxDocumentStructs: number;
  /** Longest title (MAX_TITLE_LENGTH; 0: no cap). */
  maxTitleLength: number;
  /** Presence client ids one connection may introduce (MAX_PRESENCE_IDS_PER_CONNECTION). */
  maxPresenceIdsPerConnection: number;
  /** Presence bytes one room holds at most (MAX_PRESENCE_BYTES_PER_ROOM). */
  maxPresenceBytesPerRoom: number;
  /** Fan-out to other server instances (REDIS_URL); absent for a single instance. */
  scale?: ScaleOut;
  /** Storage quota, queued-bytes cap and append failures, shared by every room. */
  storageHealth?: StorageHealth;
  /** MAX_THREADS_PER_ROOM. */
  maxThreadsPerRoom: number;
  /** COMMENT_OP_RATE_PER_SECOND / COMMENT_OP_BURST. */
  commentOpRatePerSecond: number;
  commentOpBurst: number;
  /** Whether a room lets view connections see its comments (its settings). */
  commentsVisibleToViewers: (room: string) => Promise<boolean>;
}

interface RoomEntry {
  ready: Promise<Room>;
  /** The room, once loaded. */
  room?: Room;
  /** When a connection last joined (ms, monotonic): how long a blank room has sat idle. */
  joinedAt: number;
  /** Joins still waiting for `ready`; a room with waiters is never unloaded. */
  waiting: number;
  unloadTimer?: NodeJS.Timeout;
}

export class RoomRegistry implements LoadedRooms {
  private readonly entries = new Map<string, RoomEntry>();
  /** Every admitted connection by room name, from admission until it closes. */
  private readonly membersByRoom = new Map<string, Set<Connection>>();
  /** One write turn for every room: their batches of one event-loop turn share one commit. */
  private readonly writeTurn = new WriteTurn();
  private readonly limits: DocumentLimits;
  /** One planner for every room: when segments are cut and versions made (history/planner.ts). */
  private readonly planner: HistoryPlanner;

  constructor(private readonly options: RoomRegistryOptions) {
    this.planner = createHistoryPlanner({ newVersionId, pauseMs: options.versionPauseMs, maxSpanMs: options.versionMaxSpanMs });
    this.limits = {
      rootNames: new Set(options.documentRootNames),
      maxNestingDepth: options.maxNestingDepth,
      maxStructs: options.maxDocumentStructs,
      maxTitleLength: options.maxTitleLength,
      titleRootName: TITLE_TEXT_NAME,
    };
  }

  /** Connections in the room, joined or waiting for its load. */
  memberCount(name: string): number {
    return this.membersByRoom.get(name)?.size ?? 0;
  }

  /** Closes every connection, in every room, for which `which` holds, with `code`. */
  closeWhere(code: CloseCodeValue, which: (connection: Connection) => boolean = () => true): void {
    for (const members of this.membersByRoom.values()) {
      for (const connection of Array.from(members)) if (which(connection)) connection.close(code);
    }
  }

  /** Number of rooms in memory (loading or loaded). */
  get loadedCount(): number {
    return this.entries.size;
  }

  /** The room, when it is loaded (not while it loads). */
  loadedRoom(name: string): Room | undefined {
    return this.entries.get(name)?.room;
  }

  /** Whether `name` is in memory (loading or loaded). */
  isLoaded(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Puts `connection` into its room, loading the room first if needed. Rejects if the load
   * fails; the failed room is forgotten so the next join tries again.
   */
  async join(connection: Connection): Promise<Room> {
    const name = connection.roomName;
    this.addMember(connection);
    const entry = this.entryFor(name);
    clearTimeout(entry.unloadTimer);
    entry.joinedAt = performance.now();
    entry.waiting += 1;
    let room: Room;
    try {
      room = await entry.ready;
    } finally {
      entry.waiting -= 1;
    }
    if (connection.isClosed) {
      this.scheduleUnloadIfEmpty(name);
    } else {
      room.join(connection);
      connection.onClose(() => {
        room.leave(connection);
        this.scheduleUnloadIfEmpty(name);
      });
    }
    return room;
  }

  /**
   * Runs `task` with the room loaded (loading it if needed) and kept loaded until the task
   * settles, without a member: the server's own writes to a room (a restore, a named version).
   */
  async withRoom<T>(name: string, task: (room: Room) => Promise<T>): Promise<T> {
    const entry = this.entryFor(name);
    clearTimeout(entry.unloadTimer);
    entry.waiting += 1;
    try {
      return await task(await entry.ready);
    } finally {
      entry.waiting -= 1;
      if (this.memberCount(name) === 0) this.scheduleUnloadIfEmpty(name);
    }
  }

  /**
   * Brings a room's automatic versions up to date: a loaded room folds what it stored; one
   * not in memory is folded straight in storage (its log was folded when it unloaded, so this
   * only ends a stretch of editing that has paused long enough), without loading it.
   */
  async settleHistory(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry) {
      await (await entry.ready).settleHistory();
      return;
    }
    await this.options.storage.compact(name, (updates) => foldOffTheEventLoop(updates, this.limits.maxNestingDepth), this.planner);
  }

  /** The room's entry, starting its load if it is not in memory. */
  private entryFor(name: string): RoomEntry {
    let entry = this.entries.get(name);
    if (!entry) {
      const created: RoomEntry = { ready: this.load(name), waiting: 0, joinedAt: performance.now() };
      created.ready.then(
        (room) => {
          created.room = room;
        },
        () => {
          if (this.entries.get(name) === created) this.forget(name);
        },
      );
      this.entries.set(name, (entry = created));
      this.options.metrics.roomsLoaded.set(this.entries.size);
    }
    return entry;
  }

  /**
   * Makes room under MAX_LOADED_ROOMS: unloads the loaded room that holds nothing (nothing
   * stored, nothing received since it loaded: an idle squatted made-up room) and was joined
   * longest ago; its members are closed with 4508 and may come back. Rooms with content are
   * never chosen. Returns false when no room qualifies.
   */
  evictIdleBlankRoom(): boolean {
    let chosen: { name: string; entry: RoomEntry; room: Room } | null = null;
    for (const [name, entry] of this.entries) {
      const room = entry.room;
      if (!room || entry.waiting > 0 || !room.holdsNothing) continue;
      if (!chosen || entry.joinedAt < chosen.entry.joinedAt) chosen = { name, entry, room };
    }
    if (!chosen) return false;
    const { name, entry, room } = chosen;
    clearTimeout(entry.unloadTimer);
    this.forget(name);
    if (room.size > 0) this.options.metrics.rejected.inc({ reason: 'idle_room_evicted' }, room.size);
    this.options.logger.info(
      { room: name, members: room.size, idleMs: Math.round(performance.now() - entry.joinedAt) },
      'unloaded a room that holds nothing to make room under MAX_LOADED_ROOMS',
    );
    room.closeAll(CloseCode.SERVER_BUSY);
    this.free(room);
    return true;
  }

  /** Names of the rooms in memory (loading or loaded) or with members (joined or waiting). */
  heldNames(): string[] {
    return [...new Set([...this.entries.keys(), ...this.membersByRoom.keys()])];
  }

  /**
   * Drops a room that was deleted from storage: its members, joined or waiting, are closed with
   * 4404, and the room is freed without the compaction an unload would write. Resolves with how
   * many members were closed once nothing of the room writes to storage any more, so the caller
   * can remove what it stored meanwhile.
   */
  async dropDeleted(name: string): Promise<number> {
    const members = Array.from(this.membersByRoom.get(name) ?? []);
    for (const connection of members) connection.close(CloseCode.DOCUMENT_DELETED);
    const entry = this.entries.get(name);
    if (!entry) return members.length;
    clearTimeout(entry.unloadTimer);
    this.forget(name);
    const room = await entry.ready.catch(() => null);
    if (!room) return members.length;
    room.stopRetryingAppends();
    this.free(room);
    await room.writesSettled();
    return members.length;
  }

  /** Every loaded room, for shutdown. */
  async loadedRooms(): Promise<Room[]> {
    const settled = await Promise.allSettled(Array.from(this.entries.values(), (entry) => entry.ready));
    return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  /** Stops unload timers and frees every room (after the caller has flushed them). */
  destroyAll(rooms: Room[]): void {
    for (const entry of this.entries.values()) clearTimeout(entry.unloadTimer);
    for (const room of rooms) this.free(room);
    this.entries.clear();
    this.options.metrics.roomsLoaded.set(0);
  }

  /** Counts `connection` in its room from now until it closes (room full counts it at once). */
  private addMember(connection: Connection): void {
    const name = connection.roomName;
    let members = this.membersByRoom.get(name);
    if (!members) this.membersByRoom.set(name, (members = new Set()));
    members.add(connection);
    connection.onClose(() => {
      members.delete(connection);
      if (members.size === 0 && this.membersByRoom.get(name) === members) this.membersByRoom.delete(name);
    });
  }

  private async load(name: string): Promise<Room> {
    const { logger, metrics, compactAfterUpdates, maxDocumentBytes, maxPresenceIdsPerConnection, maxPresenceBytesPerRoom } = this.options;
    const room = await Room.load({
      name,
      storage: this.options.storage,
      logger,
      metrics,
      compactAfterUpdates,
      maxDocumentBytes,
      maxPresenceIdsPerConnection,
      maxPresenceBytesPerRoom,
      limits: this.limits,
      onCorrupted: (corrupted) => this.evict(name, corrupted),
      storageHealth: this.options.storageHealth,
      onStorageFailed: (failed) => this.evictUnstorable(name, failed),
      writeTurn: this.writeTurn,
      historyPlanner: this.planner,
      versionPauseMs: this.options.versionPauseMs,
      comments: {
        maxThreads: this.options.maxThreadsPerRoom,
        opRatePerSecond: this.options.commentOpRatePerSecond,
        opBurst: this.options.commentOpBurst,
        visibleToViewers: () => this.options.commentsVisibleToViewers(name),
      },
    });
    this.options.scale?.attach(room);
    return room;
  }

  /** Frees a room: unlinked from other instances first, so nothing arrives for a dead doc. */
  private free(room: Room): void {
    this.options.scale?.detach(room);
    room.destroy();
  }

  /**
   * Drops a room whose doc can no longer be trusted: everyone is closed with a retryable code
   * and the next join loads it afresh from storage, which never held the bad update.
   */
  private evict(name: string, room: Room): void {
    this.options.logger.warn({ room: roomLogId(name) }, LogMessage.roomDocBroken);
    const entry = this.entries.get(name);
    if (entry) {
      clearTimeout(entry.unloadTimer);
      this.forget(name);
    }
    room.closeAll(CloseCode.ROOM_UNAVAILABLE);
    this.free(room);
  }

  /**
   * Drops a room whose appends kept failing: its members are closed with 4504 (retryable) and
   * keep what was not stored; they resend it to the room loaded afresh when they reconnect.
   */
  private evictUnstorable(name: string, room: Room): void {
    this.options.logger.error({ room: roomLogId(name), members: room.size }, LogMessage.storageKeptFailing);
    if (this.entries.get(name)) {
      clearTimeout(this.entries.get(name)!.unloadTimer);
      this.forget(name);
    }
    if (room.size > 0) this.options.metrics.rejected.inc({ reason: 'storage_unavailable' }, room.size);
    room.closeAll(CloseCode.STORAGE_UNAVAILABLE);
    this.free(room);
  }

  private forget(name: string): void {
    this.entries.delete(name);
    this.options.metrics.roomsLoaded.set(this.entries.size);
  }

  private scheduleUnloadIfEmpty(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    clearTimeout(entry.unloadTimer);
    entry.unloadTimer = setTimeout(() => void this.unload(name, entry), this.options.roomUnloadDelayMs);
    entry.unloadTimer.unref();
  }

  private async unload(name: string, entry: RoomEntry): Promise<void> {
    const room = await entry.ready.catch(() => null);
    if (!room || this.isInUse(room, entry)) return;
    try {
      await room.whenStored();
      if (room.hasUncompactedLog) await room.compact();
    } catch (error) {
      // The log still holds everything; the snapshot is only a faster way to load it.
      this.options.logger.warn({ room: roomLogId(name), err: (error as Error).message }, 'compaction before unload failed');
    }
    // A client may have arrived while we were writing: then the room stays.
    if (this.isInUse(room, entry) || this.entries.get(name) !== entry) return;
    this.forget(name);
    this.free(room);
    this.options.logger.debug({ room: roomLogId(name) }, LogMessage.roomUnloaded);
  }

  private isInUse(room: Room, entry: RoomEntry): boolean {
    return room.size > 0 || entry.waiting > 0;
  }
}
