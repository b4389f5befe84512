/**
 * Tandem's sync server: accepts authorized WebSocket upgrades, enforces per-connection and
 * per-room limits, decodes frames and hands them to the room, and shuts down without losing
 * an update. HTTP routing and authorization live in http.ts and upgrade.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import v8 from 'node:v8';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, type CloseCodeValue } from '../lib/protocol/close-codes';
import type { ServerConfig } from './config';
import { Connection } from './connection';
import type { Logger } from './log';
import type { Metrics, RejectionReason } from './metrics';
import { ConnectionBudget, OverBudgetAddresses, ViewerWrites } from './flow-control';
import { decodeClientMessage, PresenceTooLargeError, ProtocolError, type ClientMessage } from './protocol';
import { READ_ONLY, type Room } from './room';
import { RoomRegistry, type RoomScale } from './room-registry';
import type { DocumentStorage } from './storage';
import { StorageHealth } from './storage-health';
import type { UpgradeTarget } from './upgrade';

/** The limits and timings the sync server takes from ServerConfig, plus its collaborators. */
export type SyncServerOptions = Pick<
  ServerConfig,
  | 'maxMessageBytes'
  | 'maxDocumentBytes'
  | 'roomUnloadDelayMs'
  | 'compactAfterUpdates'
  | 'heartbeatIntervalMs'
  | 'handshakeTimeoutMs'
  | 'updateRatePerSecond'
  | 'updateBurst'
  | 'awarenessRatePerSecond'
  | 'awarenessBurst'
  | 'maxConnectionsPerRoom'
  | 'maxLoadedRooms'
  | 'maxPresenceIdsPerConnection'
  | 'maxPresenceStateBytes'
  | 'maxPresenceBytesPerRoom'
  | 'syncStep1RatePerMinute'
  | 'syncStep1Burst'
  | 'byteRatePerSecond'
  | 'byteBurst'
  | 'maxSendBufferBytes'
  | 'documentRootNames'
  | 'maxNestingDepth'
  | 'maxDocumentStructs'
  | 'maxTitleLength'
  | 'roomLoadHeapLimitPercent'
  | 'maxConnectionsPerAddress'
  | 'maxRoomsPerAddress'
  | 'messageAssemblyTimeoutMs'
  | 'maxStorageBytes'
  | 'minFreeDiskBytes'
  | 'maxQueuedBytes'
  | 'storageFailureTimeoutMs'
> & {
  storage: DocumentStorage;
  logger: Logger;
  metrics: Metrics;
  /** Fan-out to other server instances (REDIS_URL), when configured. */
  scale?: RoomScale;
};

export interface SyncServer {
  /** Completes an authorized WebSocket upgrade into the target room. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: UpgradeTarget): void;
  /** Closes (4410) every connection that came through `viewId`, after the link was rotated. */
  revokeViewLink(viewId: string): void;
  /** Loaded rooms, for health and tests. */
  readonly rooms: RoomRegistry;
  /** Storage fullness and append failures, for readiness. */
  readonly storageHealth: StorageHealth;
  /**
   * Graceful stop: refuse new sockets, close open ones with 1012 (service restart) so clients
   * reconnect, then wait until every received update is stored. Idempotent.
   */
  close(): Promise<void>;
}

/** How many rooms' worth of presence entries one presence update may hold (see decodeLimits). */
const PRESENCE_ENTRIES_PER_ROOM_SHARE = 4;

/** Creates a sync server over `storage`; it owns no port (see http.ts). */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  const { metrics } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
  });
  const storageHealth = new StorageHealth(options);
  const rooms = new RoomRegistry({ ...options, storageHealth });
  const connectionsByRoom = new Map<string, Set<Connection>>();
  const overBudget = new OverBudgetAddresses();
  const decodeLimits = {
    maxPresenceStateBytes: options.maxPresenceStateBytes,
    // A stock client echoes every presence change it receives, and a joiner's first echo holds
    // everyone in the room; four times what one instance's room can hold leaves room for the
    // other instances' members. More is not a client echoing a room: refused unparsed.
    maxPresenceEntries: PRESENCE_ENTRIES_PER_ROOM_SHARE * options.maxConnectionsPerRoom * options.maxPresenceIdsPerConnection,
  };
  /** Per client address: open connections, and how many of them each room holds. */
  const byAddress = new Map<string, { connections: number; rooms: Map<string, number> }>();
  let closing: Promise<void> | null = null;

  function refuse(connection: Connection, code: CloseCodeValue, reason: RejectionReason, message: string): void {
    metrics.rejected.inc({ reason });
    connection.log.warn({ code }, message);
    connection.close(code);
  }

  /**
   * Whether the V8 heap is fuller than ROOM_LOAD_HEAP_LIMIT_PERCENT of its limit: loading one
   * more room then risks the process (and every room in it) dying of an out-of-memory abort.
   */
  function heapAboveLimit(): boolean {
    const { used_heap_size: used, heap_size_limit: limit } = v8.getHeapStatistics();
    return used > (limit * options.roomLoadHeapLimitPercent) / 100;
  }

  /**
   * Admits a connection into its room's count, or closes it: room full, its address over its
   * share (connections, or distinct rooms: one address squatting thousands of made-up rooms
   * would otherwise deny every other document), or no room for one more loaded room. At
   * MAX_LOADED_ROOMS a loaded room that holds nothing gives way first (room-registry.ts).
   */
  function track(connection: Connection, address: string): boolean {
    const members = connectionsByRoom.get(connection.roomName) ?? new Set<Connection>();
    if (members.size >= options.maxConnectionsPerRoom) {
      refuse(connection, CloseCode.ROOM_FULL, 'room_full', 'room full; closing');
      return false;
    }
    const held = byAddress.get(address) ?? { connections: 0, rooms: new Map<string, number>() };
    if (options.maxConnectionsPerAddress > 0 && held.connections >= options.maxConnectionsPerAddress) {
      refuse(connection, CloseCode.TOO_MANY_CONNECTIONS, 'address_connections', 'address holds MAX_CONNECTIONS_PER_ADDRESS connections; closing');
      return false;
    }
    const inRoom = held.rooms.get(connection.roomName) ?? 0;
    if (options.maxRoomsPerAddress > 0 && inRoom === 0 && held.rooms.size >= options.maxRoomsPerAddress) {
      refuse(connection, CloseCode.TOO_MANY_CONNECTIONS, 'address_rooms', 'address holds connections in MAX_ROOMS_PER_ADDRESS rooms; closing');
      return false;
    }
    if (!rooms.isLoaded(connection.roomName) && heapAboveLimit()) {
      refuse(connection, CloseCode.SERVER_BUSY, 'memory_pressure', 'heap above ROOM_LOAD_HEAP_LIMIT_PERCENT; not loading another room');
      return false;
    }
    if (!rooms.isLoaded(connection.roomName) && rooms.loadedCount >= options.maxLoadedRooms && !rooms.evictIdleBlankRoom()) {
      refuse(connection, CloseCode.SERVER_BUSY, 'server_busy', 'too many loaded rooms; closing');
      return false;
    }
    connectionsByRoom.set(connection.roomName, members);
    members.add(connection);
    byAddress.set(address, held);
    held.connections += 1;
    held.rooms.set(connection.roomName, inRoom + 1);
    metrics.connectionsOpen.inc();
    connection.onClose(() => {
      metrics.connectionsOpen.dec();
      members.delete(connection);
      if (members.size === 0 && connectionsByRoom.get(connection.roomName) === members) {
        connectionsByRoom.delete(connection.roomName);
      }
      held.connections -= 1;
      const left = (held.rooms.get(connection.roomName) ?? 1) - 1;
      if (left > 0) held.rooms.set(connection.roomName, left);
      else held.rooms.delete(connection.roomName);
      if (held.connections === 0 && byAddress.get(address) === held) byAddress.delete(address);
    });
    return true;
  }

  function accept(socket: WebSocket, target: UpgradeTarget): void {
    const connection = new Connection(socket, target, options);
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes an oversize frame's socket itself (1009 to the peer) and reports it here.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.rejected.inc({ reason: 'too_big' });
        connection.log.warn({ code: CloseCode.MESSAGE_TOO_BIG }, 'frame over MAX_MESSAGE_BYTES refused');
      }
    });
    socket.on('close', (code) => connection.log.debug({ code }, 'disconnected'));
    if (!track(connection, target.clientAddress)) return;
    connection.log.debug('connected');

    const budget = new ConnectionBudget(options, { fullBurst: !overBudget.has(target.clientAddress) });
    /** Closes a connection that went over a budget; its address gets no fresh burst for a while. */
    const overLimit = (code: CloseCodeValue, reason: RejectionReason, message: string): void => {
      overBudget.note(target.clientAddress);
      refuse(connection, code, reason, message);
    };
    // A view connection's document messages are dropped by type, never decoded (flow-control.ts).
    const viewerWrites = connection.role === 'view' ? new ViewerWrites() : null;
    let receivedAny = false;
    connection.after(options.handshakeTimeoutMs, () => {
      if (receivedAny) return;
      // After a long stall timers run before sockets are read, so a first frame that arrived in
      // time may still be unread: look again once this turn of the event loop has read them.
      setImmediate(() => {
        if (!receivedAny) refuse(connection, CloseCode.HANDSHAKE_TIMEOUT, 'handshake_timeout', 'no handshake; closing');
      });
    });

    // Frames that arrive while the room loads wait here, so nothing is served before the load.
    let room: Room | null = null;
    const early: ClientMessage[] = [];
    socket.on('message', (data, isBinary) => {
      if (connection.isClosed) return;
      receivedAny = true;
      const frame = toBuffer(data);
      metrics.bytesReceived.inc(frame.byteLength);
      if (!isBinary) return refuse(connection, CloseCode.MALFORMED_MESSAGE, 'malformed', 'text frame refused');
      if (!budget.chargeBytes(frame.byteLength)) {
        return overLimit(CloseCode.RATE_LIMITED, 'byte_budget', 'over BYTE_RATE_PER_SECOND / BYTE_BURST; closing');
      }
      const verdict = viewerWrites?.judge(frame) ?? 'decode';
      if (verdict === 'close') return overLimit(CloseCode.READ_ONLY_WRITES, 'read_only_writes', 'view connection kept writing; closing');
      if (verdict === 'deny') {
        metrics.rejected.inc({ reason: 'read_only' });
        connection.send(READ_ONLY);
      }
      if (verdict !== 'decode') return;
      const message = decode(connection, frame);
      if (!message) return;
      const isEcho = () => message.kind === 'awareness' && room !== null && !room.presence.hasNews(connection, message.entries);
      const over = budget.overRate(message, isEcho);
      if (over) return overLimit(CloseCode.RATE_LIMITED, over, 'over rate limit; closing');
      if (message.kind === 'sync-step2' || message.kind === 'sync-update') metrics.updatesReceived.inc();
      if (message.kind === 'awareness') metrics.awarenessReceived.inc();
      if (room) handleMessage(connection, room, message);
      else early.push(message);
    });

    rooms.join(connection).then(
      (joined) => {
        room = joined;
        for (const message of early.splice(0)) {
          if (!connection.isClosed) handleMessage(connection, joined, message);
        }
      },
      (error: Error) => {
        connection.log.error({ err: error.message }, 'room load failed; closing with a retryable code');
        connection.close(CloseCode.ROOM_UNAVAILABLE);
      },
    );
  }

  function decode(connection: Connection, frame: Uint8Array): ClientMessage | null {
    try {
      return decodeClientMessage(frame, decodeLimits);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      metrics.rejected.inc({ reason: error instanceof PresenceTooLargeError ? 'presence_too_large' : 'malformed' });
      connection.log.warn({ err: error.message, bytes: frame.byteLength }, 'malformed frame; closing');
      connection.close(CloseCode.MALFORMED_MESSAGE);
      return null;
    }
  }

  function handleMessage(connection: Connection, room: Room, message: ClientMessage): void {
    try {
      room.handle(connection, message);
    } catch (error) {
      connection.log.error({ err: (error as Error).message, kind: message.kind }, 'message failed; closing');
      connection.close(CloseCode.INTERNAL_ERROR);
    }
  }

  return {
    rooms,
    storageHealth,
    handleUpgrade(request, socket, head, target) {
      if (closing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, target));
    },
    revokeViewLink(viewId) {
      for (const members of connectionsByRoom.values()) {
        for (const connection of members) {
          if (connection.viewId === viewId) connection.close(CloseCode.VIEW_LINK_REVOKED);
        }
      }
    },
    close() {
      closing ??= (async () => {
        for (const members of connectionsByRoom.values()) {
          for (const connection of members) connection.close(CloseCode.SERVICE_RESTART);
        }
        const loaded = await rooms.loadedRooms();
        for (const room of loaded) room.stopRetryingAppends();
        await Promise.all(loaded.map((room) => room.whenStored()));
        rooms.destroyAll(loaded);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
  };
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
