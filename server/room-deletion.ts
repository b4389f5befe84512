/**
 * How a running server learns that a room it holds was deleted, and what it does then. The
 * admin command deletes rooms in storage from another process, so every instance reads the
 * tombstones of the rooms it holds once a second (one indexed lookup per room, in one
 * statement): that works for a single SQLite server, for instances Redis cannot reach, and
 * catches anything Redis dropped. With Redis, the command also announces the deletion on the
 * control channel and instances act at once, after storage confirms it (an announcement alone
 * closes nothing). Either way the room goes the same way: its members are closed with 4404 (a
 * browser then drops its offline copy), the room is freed without the compaction an unload
 * would write, and what it stored between the deletion and now is deleted again.
 */
import { roomLogId, type Logger } from './log';
import { LogMessage } from './log-messages';
import type { Metrics } from './metrics';
import type { RoomCatalog } from './storage';

/** How often the rooms a process holds are looked up among the tombstones. */
export const DELETED_ROOMS_POLL_MS = 1_000;

/** What the deletions need of the room registry (room-registry.ts). */
export interface DeletableRooms {
  /** Rooms in memory or with members. */
  heldNames(): string[];
  /** Closes the room's members with 4404 and frees it; resolves with the members closed, once it writes nothing more. */
  dropDeleted(name: string): Promise<number>;
}

export interface RoomDeletionsOptions {
  storage: Pick<RoomCatalog, 'tombstoned' | 'deleteRoom'>;
  rooms: DeletableRooms;
  logger: Logger;
  metrics: Metrics;
  pollMs?: number;
}

export class RoomDeletions {
  private readonly timer: NodeJS.Timeout;
  /** Rooms being dropped now, so a poll and an announcement never drop one twice at once. */
  private readonly dropping = new Set<string>();
  private polling = false;
  /** Storage failed the last lookup and it was logged: log again only once it works. */
  private failing = false;

  constructor(private readonly options: RoomDeletionsOptions) {
    this.timer = setInterval(() => void this.poll(), options.pollMs ?? DELETED_ROOMS_POLL_MS);
    this.timer.unref();
  }

  /** Another instance (or the admin command) says `room` was deleted: acts if storage agrees. */
  heard(room: string): Promise<void> {
    return this.check([room]);
  }

  /** Stops polling (shutdown). */
  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    // A lookup slower than the interval (storage struggling) is not stacked.
    if (this.polling) return;
    this.polling = true;
    try {
      await this.check(this.options.rooms.heldNames());
    } finally {
      this.polling = false;
    }
  }

  private async check(rooms: string[]): Promise<void> {
    if (rooms.length === 0) return;
    let deleted: Map<string, number>;
    try {
      deleted = await this.options.storage.tombstoned('room', rooms);
    } catch (error) {
      if (!this.failing) this.options.logger.warn({ err: (error as Error).message }, LogMessage.deletionCheckFailed);
      this.failing = true;
      return;
    }
    this.failing = false;
    await Promise.all(Array.from(deleted, ([room, deletedAt]) => this.remove(room, deletedAt)));
  }

  private async remove(room: string, deletedAt: number): Promise<void> {
    if (this.dropping.has(room)) return;
    this.dropping.add(room);
    try {
      const closed = await this.options.rooms.dropDeleted(room);
      // Keystrokes stored between the deletion and now, or a compaction that was running, go too.
      await this.options.storage.deleteRoom(room, deletedAt);
      if (closed > 0) this.options.metrics.rejected.inc({ reason: 'deleted_room' }, closed);
      this.options.logger.info({ room: roomLogId(room), members: closed }, LogMessage.roomDeleted);
    } catch (error) {
      // Still held (or its rows still stored): the next poll tries again.
      this.options.logger.error({ room: roomLogId(room), err: (error as Error).message }, LogMessage.deletionCheckFailed);
    } finally {
      this.dropping.delete(room);
    }
  }
}
