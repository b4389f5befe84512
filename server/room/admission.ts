/**
 * Who may come in, and what they may send: every refusal the sync server and the rooms make is
 * decided here and returned as a typed Refusal (or null), which the caller hands to
 * `connection.refuse()`. Three moments:
 * - a connection arrives (`ServerAdmission.admitConnection`): room full, its address over its
 *   share, memory pressure, too many loaded rooms;
 * - a frame arrives (`FrameAdmission`): text frames, the byte budget, a viewer's writes (dropped
 *   unread), then, decoded, the message rates;
 * - a document message reaches its room (`admitUpdate`): the viewer backstop, the document-size
 *   quota, full storage and the queued-bytes cap.
 */
import v8 from 'node:v8';
import { CloseCode } from '../../lib/protocol/close-codes';
import type { ServerConfig } from '../config';
import { editsDocument } from '../auth';
import type { Connection, Refusal } from '../connection';
import { ConnectionBudget, OverBudgetAddresses, ViewerWrites, type BudgetLimits } from '../flow-control';
import type { Metrics } from '../metrics';
import type { ClientMessage } from '../protocol';
import type { StorageHealth } from '../storage-health';
import { LogMessage } from '../log-messages';

/** What admission asks of the loaded rooms (the registry). */
export interface LoadedRooms {
  /** Connections in the room, joined or waiting for its load. */
  memberCount(room: string): number;
  isLoaded(room: string): boolean;
  readonly loadedCount: number;
  /** Unloads a loaded room that holds nothing, to make room; false if none qualifies. */
  evictIdleBlankRoom(): boolean;
}

export type ConnectionLimits = Pick<
  ServerConfig,
  'maxConnectionsPerRoom' | 'maxConnectionsPerAddress' | 'maxRoomsPerAddress' | 'roomLoadHeapLimitPercent' | 'maxLoadedRooms'
>;

/** Per client address: open connections, and how many of them each room holds. */
interface AddressShare {
  connections: number;
  rooms: Map<string, number>;
}

/** The process-wide checks: whether one more connection may join its room. */
export class ServerAdmission {
  private readonly byAddress = new Map<string, AddressShare>();
  /** Addresses recently closed for a budget: their next connections start without a burst. */
  readonly overBudget = new OverBudgetAddresses();

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly rooms: LoadedRooms,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Admits a connection into its room's count, or refuses it: room full, its address over its
   * share (connections, or distinct rooms: one address squatting thousands of made-up rooms
   * would otherwise deny every other document), or no room for one more loaded room. At
   * MAX_LOADED_ROOMS a loaded room that holds nothing gives way first (room-registry.ts).
   * An admitted connection's share is given back when it closes.
   */
  admitConnection(connection: Connection, address: string): Refusal | null {
    const { limits, rooms } = this;
    const room = connection.roomName;
    if (rooms.memberCount(room) >= limits.maxConnectionsPerRoom) {
      return { code: CloseCode.ROOM_FULL, reason: 'room_full', message: LogMessage.roomFull };
    }
    const share = this.byAddress.get(address) ?? { connections: 0, rooms: new Map<string, number>() };
    if (limits.maxConnectionsPerAddress > 0 && share.connections >= limits.maxConnectionsPerAddress) {
      return {
        code: CloseCode.TOO_MANY_CONNECTIONS,
        reason: 'address_connections',
        message: 'address holds MAX_CONNECTIONS_PER_ADDRESS connections; closing',
      };
    }
    const inRoom = share.rooms.get(room) ?? 0;
    if (limits.maxRoomsPerAddress > 0 && inRoom === 0 && share.rooms.size >= limits.maxRoomsPerAddress) {
      return {
        code: CloseCode.TOO_MANY_CONNECTIONS,
        reason: 'address_rooms',
        message: 'address holds connections in MAX_ROOMS_PER_ADDRESS rooms; closing',
      };
    }
    const loadRefusal = this.admitRoomLoad(room);
    if (loadRefusal) return loadRefusal;
    this.byAddress.set(address, share);
    share.connections += 1;
    share.rooms.set(room, inRoom + 1);
    this.metrics.connectionsOpen.inc();
    connection.onClose(() => {
      this.metrics.connectionsOpen.dec();
      share.connections -= 1;
      const left = (share.rooms.get(room) ?? 1) - 1;
      if (left > 0) share.rooms.set(room, left);
      else share.rooms.delete(room);
      if (share.connections === 0 && this.byAddress.get(address) === share) this.byAddress.delete(address);
    });
    return null;
  }

  /**
   * Whether `room` may be loaded (if it is not already): not while the heap is above
   * ROOM_LOAD_HEAP_LIMIT_PERCENT, nor at MAX_LOADED_ROOMS unless a room that holds nothing
   * gives way. For connections, and for the server's own work in a room (a restore).
   */
  admitRoomLoad(room: string): Refusal | null {
    const { limits, rooms } = this;
    if (rooms.isLoaded(room)) return null;
    if (heapAbove(limits.roomLoadHeapLimitPercent)) {
      return { code: CloseCode.SERVER_BUSY, reason: 'memory_pressure', message: LogMessage.memoryPressure };
    }
    if (rooms.loadedCount >= limits.maxLoadedRooms && !rooms.evictIdleBlankRoom()) {
      return { code: CloseCode.SERVER_BUSY, reason: 'server_busy', message: LogMessage.tooManyRooms };
    }
    return null;
  }
}

/**
 * Whether the V8 heap is fuller than `percent` of its limit: loading one more room then risks
 * the process (and every room in it) dying of an out-of-memory abort.
 */
function heapAbove(percent: number): boolean {
  const { used_heap_size: used, heap_size_limit: limit } = v8.getHeapStatistics();
  return used > (limit * percent) / 100;
}

/** What becomes of a frame before it is decoded: decode it, drop it, or drop it and say read-only. */
export type FrameVerdict = 'decode' | 'drop' | 'deny';

/**
 * One connection's frames: charged to its byte budget before they are decoded, a view
 * connection's document messages dropped by their type bytes, never decoded (flow-control.ts),
 * and decoded messages charged to their rates. A connection closed for a budget leaves its
 * address without a fresh burst for a while (OverBudgetAddresses).
 */
export class FrameAdmission {
  private readonly budget: ConnectionBudget;
  private readonly viewerWrites: ViewerWrites | null;

  constructor(
    limits: BudgetLimits,
    private readonly address: string,
    role: Connection['role'],
    private readonly overBudget: OverBudgetAddresses,
  ) {
    this.budget = new ConnectionBudget(limits, { fullBurst: !overBudget.has(address) });
    this.viewerWrites = editsDocument(role) ? null : new ViewerWrites();
  }

  /** Judges a raw frame: a refusal (close the sender), or what to do with it. */
  admitFrame(frame: Uint8Array, isBinary: boolean): Refusal | FrameVerdict {
    if (!isBinary) return { code: CloseCode.MALFORMED_MESSAGE, reason: 'malformed', message: 'text frame refused' };
    if (!this.budget.chargeBytes(frame.byteLength)) {
      return this.overLimit({
        code: CloseCode.RATE_LIMITED,
        reason: 'byte_budget',
        message: 'over BYTE_RATE_PER_SECOND / BYTE_BURST; closing',
      });
    }
    const verdict = this.viewerWrites?.judge(frame) ?? 'decode';
    if (verdict === 'close') {
      return this.overLimit({ code: CloseCode.READ_ONLY_WRITES, reason: 'read_only_writes', message: 'read-only connection kept writing; closing' });
    }
    return verdict;
  }

  /** Charges a decoded message to its rate (`isEcho`: presence that only echoes costs nothing). */
  admitMessage(message: ClientMessage, isEcho: () => boolean): Refusal | null {
    const over = this.budget.overRate(message, isEcho);
    return over ? this.overLimit({ code: CloseCode.RATE_LIMITED, reason: over, message: LogMessage.overRateLimit }) : null;
  }

  private overLimit(refusal: Refusal): Refusal {
    this.overBudget.note(this.address);
    return refusal;
  }
}

/** A room's view of its storage when it admits a document message. */
export interface RoomQuota {
  /** Bytes the room takes in storage (snapshot + log). */
  storedBytes: number;
  /** Bytes received for the room and not yet applied. */
  queuedBytes: number;
  /** MAX_DOCUMENT_BYTES. */
  maxDocumentBytes: number;
  health: StorageHealth;
}

/** Never applied, stored or forwarded, and not refused either (see admitUpdate). */
export const IGNORED = 'ignored';

/**
 * Admits one document message into its room's write queue, or refuses it. A viewer's is
 * ignored: the sync server drops those before decoding them (and tells the viewer it is
 * read-only); this is the backstop. Content is refused while storage is full (deletions pass,
 * so people can make room), and any message that would put more unstored bytes in memory
 * than MAX_QUEUED_BYTES allows; both closes are retryable: the client keeps the change and
 * resends it. On null the message's bytes are reserved against MAX_QUEUED_BYTES.
 */
export function admitUpdate(
  connection: Connection,
  message: Extract<ClientMessage, { kind: 'sync-step2' | 'sync-update' }>,
  quota: RoomQuota,
): Refusal | typeof IGNORED | null {
  if (!editsDocument(connection.role)) return IGNORED;
  if (message.empty) return null;
  const bytes = message.update.byteLength;
  if (quota.storedBytes + quota.queuedBytes + bytes > quota.maxDocumentBytes) {
    return {
      code: CloseCode.DOCUMENT_TOO_LARGE,
      reason: 'document_too_large',
      message: LogMessage.documentTooBig,
      fields: { bytes: quota.storedBytes },
    };
  }
  const full = message.decoded.structs.length > 0 ? quota.health.fullFor(bytes) : null;
  if (full) {
    return {
      code: CloseCode.STORAGE_FULL,
      reason: 'storage_full',
      message: 'storage is full; refusing new content and closing',
      fields: { limit: full === 'quota' ? 'MAX_STORAGE_BYTES' : 'MIN_FREE_DISK_BYTES' },
    };
  }
  if (!quota.health.reserveQueued(bytes)) {
    return {
      code: CloseCode.STORAGE_UNAVAILABLE,
      reason: 'queued_bytes',
      message: 'too many received bytes wait to be stored (MAX_QUEUED_BYTES); closing',
      fields: { queuedBytes: quota.health.queuedBytes },
    };
  }
  return null;
}
