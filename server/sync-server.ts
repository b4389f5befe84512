/**
 * Tandem's sync server: accepts authorized WebSocket upgrades, enforces per-connection and
 * per-room limits, decodes frames and hands them to the room, and shuts down without losing
 * an update. HTTP routing and authorization live in http.ts and upgrade.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import v8 from 'node:v8';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, type CloseCodeValue } from '../lib/close-codes';
import type { ServerConfig } from './config';
import { Connection } from './connection';
import type { Logger } from './log';
import type { Metrics, RejectionReason } from './metrics';
import { decodeClientMessage, ProtocolError, type ClientMessage } from './protocol';
import { TokenBucket } from './rate-limiter';
import type { Room } from './room';
import { RoomRegistry, type RoomScale } from './room-registry';
import type { DocumentStorage } from './storage';
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
  | 'documentRootNames'
  | 'maxNestingDepth'
  | 'maxDocumentStructs'
  | 'maxTitleLength'
  | 'roomLoadHeapLimitPercent'
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
  /**
   * Graceful stop: refuse new sockets, close open ones with 1012 (service restart) so clients
   * reconnect, then wait until every received update is stored. Idempotent.
   */
  close(): Promise<void>;
}

/** Creates a sync server over `storage`; it owns no port (see http.ts). */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  const { metrics } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
  });
  const rooms = new RoomRegistry(options);
  const connectionsByRoom = new Map<string, Set<Connection>>();
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

  function track(connection: Connection): boolean {
    const members = connectionsByRoom.get(connection.roomName) ?? new Set<Connection>();
    if (members.size >= options.maxConnectionsPerRoom) {
      refuse(connection, CloseCode.ROOM_FULL, 'room_full', 'room full; closing');
      return false;
    }
    if (!rooms.isLoaded(connection.roomName) && rooms.loadedCount >= options.maxLoadedRooms) {
      refuse(connection, CloseCode.SERVER_BUSY, 'server_busy', 'too many loaded rooms; closing');
      return false;
    }
    if (!rooms.isLoaded(connection.roomName) && heapAboveLimit()) {
      refuse(connection, CloseCode.SERVER_BUSY, 'memory_pressure', 'heap above ROOM_LOAD_HEAP_LIMIT_PERCENT; not loading another room');
      return false;
    }
    connectionsByRoom.set(connection.roomName, members);
    members.add(connection);
    metrics.connectionsOpen.inc();
    connection.onClose(() => {
      metrics.connectionsOpen.dec();
      members.delete(connection);
      if (members.size === 0 && connectionsByRoom.get(connection.roomName) === members) {
        connectionsByRoom.delete(connection.roomName);
      }
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
    if (!track(connection)) return;
    connection.log.debug('connected');

    const updates = new TokenBucket(options.updateRatePerSecond, options.updateBurst);
    const awareness = new TokenBucket(options.awarenessRatePerSecond, options.awarenessBurst);
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
    const withinRate = (message: ClientMessage): boolean => {
      if (message.kind === 'query-awareness') return awareness.take();
      if (message.kind !== 'awareness') return updates.take();
      // Echoes of other people's presence (stock clients re-send what they receive) cost the
      // sender nothing: only its news counts (removals and refused entries too), so a busy
      // room never rate-limits its members and an attacker pays for every attempt.
      return room && !room.presence.hasNews(connection, message.entries) ? true : awareness.take();
    };
    const early: ClientMessage[] = [];
    socket.on('message', (data, isBinary) => {
      if (connection.isClosed) return;
      receivedAny = true;
      const frame = toBuffer(data);
      metrics.bytesReceived.inc(frame.byteLength);
      const message = isBinary ? decode(connection, frame) : null;
      if (!isBinary) refuse(connection, CloseCode.MALFORMED_MESSAGE, 'malformed', 'text frame refused');
      if (!message) return;
      if (!withinRate(message)) return refuse(connection, CloseCode.RATE_LIMITED, 'rate_limited', 'over rate limit; closing');
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
      return decodeClientMessage(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      metrics.rejected.inc({ reason: 'malformed' });
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
        await Promise.all(loaded.map((room) => room.whenWritten()));
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
