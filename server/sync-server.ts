/**
 * Tandem's sync server: accepts WebSocket upgrades for `/sync/<room>`, decodes frames, hands
 * them to the room, and shuts down without losing an update. HTTP routing lives in http.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode } from '../lib/close-codes';
import { Connection } from './connection';
import type { Logger } from './log';
import { decodeClientMessage, ProtocolError } from './protocol';
import type { Room } from './room';
import { RoomRegistry } from './room-registry';
import type { DocumentStorage } from './storage';

export interface SyncServerOptions {
  storage: DocumentStorage;
  logger: Logger;
  maxMessageBytes: number;
  roomUnloadDelayMs: number;
  compactAfterUpdates: number;
  heartbeatIntervalMs: number;
}

/** What the HTTP layer learned from the upgrade request. */
export interface UpgradeTarget {
  /** An already validated room id. */
  roomName: string;
  /** The client asked for SAVED acknowledgements. */
  wantsSavedAcks: boolean;
}

export interface SyncServer {
  /** Completes a WebSocket upgrade into the target room. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: UpgradeTarget): void;
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
  const { logger } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
  });
  const rooms = new RoomRegistry(options);
  const connections = new Set<Connection>();
  let closing: Promise<void> | null = null;

  function accept(socket: WebSocket, { roomName, wantsSavedAcks }: UpgradeTarget): void {
    const connection = new Connection(socket, roomName, wantsSavedAcks, logger, options.heartbeatIntervalMs);
    connections.add(connection);
    connection.onClose(() => connections.delete(connection));
    connection.log.debug('connected');

    // Frames that arrive while the room loads wait here, so nothing is served before the load.
    let room: Room | null = null;
    const early: Buffer[] = [];
    socket.on('message', (data, isBinary) => {
      if (connection.isClosed) return;
      if (!isBinary) {
        connection.log.warn('text frame refused');
        connection.close(CloseCode.MALFORMED_MESSAGE);
        return;
      }
      const frame = toBuffer(data);
      if (room) handleFrame(connection, room, frame);
      else early.push(frame);
    });
    socket.on('close', (code) => {
      if (code === CloseCode.MESSAGE_TOO_BIG) connection.log.warn('frame over MAX_MESSAGE_BYTES refused');
    });

    rooms.join(connection).then(
      (joined) => {
        room = joined;
        for (const frame of early.splice(0)) {
          if (!connection.isClosed) handleFrame(connection, joined, frame);
        }
      },
      (error: Error) => {
        connection.log.error({ err: error.message }, 'room load failed; closing with a retryable code');
        connection.close(CloseCode.ROOM_UNAVAILABLE);
      },
    );
  }

  function handleFrame(connection: Connection, room: Room, frame: Uint8Array): void {
    let message;
    try {
      message = decodeClientMessage(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      connection.log.warn({ err: error.message, bytes: frame.byteLength }, 'malformed frame; closing');
      connection.close(CloseCode.MALFORMED_MESSAGE);
      return;
    }
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
    close() {
      closing ??= (async () => {
        for (const connection of connections) connection.close(CloseCode.SERVICE_RESTART);
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
