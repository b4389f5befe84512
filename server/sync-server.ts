/**
 * Tandem's sync server: socket → decode → admit → registry. It accepts authorized WebSocket
 * upgrades, asks admission (room/admission.ts) about each connection and frame, decodes frames
 * and hands them to the room, and shuts down without losing an update. HTTP routing and
 * authorization live in http.ts and upgrade.ts; who is in which room, in room-registry.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODE_INFO, CloseCode, type CloseCodeValue } from '../lib/protocol/close-codes';
import type { ServerConfig } from './config';
import { Connection } from './connection';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { decodeClientMessage, PresenceTooLargeError, ProtocolError, type ClientMessage } from './protocol';
import { READ_ONLY, type Room } from './room';
import { FrameAdmission, ServerAdmission } from './room/admission';
import { RoomRegistry } from './room-registry';
import type { ScaleOut } from './scale-out';
import { RoomDeletions } from './room-deletion';
import type { DocumentLog, RoomCatalog } from './storage';
import { StorageHealth } from './storage-health';
import type { UpgradeTarget } from './upgrade';
import { LogMessage } from './log-messages';
import { decodeCommentOp, isCommentOpFrame, type CommentOpMessage } from './comments/wire';

/** The limits and timings the sync server takes from ServerConfig, plus its collaborators. */
export type SyncServerOptions = Pick<
  ServerConfig,
  | 'maxMessageBytes'
  | 'maxDocumentBytes'
  | 'roomUnloadDelayMs'
  | 'compactAfterUpdates'
  | 'versionPauseMs'
  | 'versionMaxSpanMs'
  | 'heartbeatIntervalMs'
  | 'handshakeTimeoutMs'
  | 'updateRatePerSecond'
  | 'updateBurst'
  | 'awarenessRatePerSecond'
  | 'awarenessBurst'
  | 'commentOpRatePerSecond'
  | 'commentOpBurst'
  | 'maxThreadsPerRoom'
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
  storage: DocumentLog;
  logger: Logger;
  metrics: Metrics;
  /** Fan-out to other server instances (REDIS_URL), when configured. */
  scale?: ScaleOut;
  /** Whether a room lets view connections see its comments; never, unless told. */
  commentsVisibleToViewers?: (room: string) => Promise<boolean>;
  /** Deleted rooms (room-deletion.ts): the ones held here are closed and dropped; without it none are looked for. */
  deletions?: Pick<RoomCatalog, 'tombstoned' | 'deleteRoom'>;
};

export interface SyncServer {
  /** Completes an authorized WebSocket upgrade into the target room. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: UpgradeTarget): void;
  /** Completes the WebSocket handshake only to close at once with `code`, reading nothing (a deleted room: 4404). */
  refuseAfterHandshake(request: IncomingMessage, socket: Duplex, head: Buffer, code: CloseCodeValue): void;
  /** Another instance says `room` was deleted: if storage agrees, its members here are closed (4404) and it is dropped. */
  roomDeleted(room: string): void;
  /** Closes (4410) every connection that came through `viewId`, after the link was rotated. */
  revokeViewLink(viewId: string): void;
  /** Closes (4410) every connection that came through `commentId`, after the link was rotated. */
  revokeCommentLink(commentId: string): void;
  /**
   * The room's settings changed here: its view connections start or stop receiving comments at
   * once (on other instances, with the room's next comment change).
   */
  commentSettingsChanged(room: string): void;
  /** Storage fullness and append failures, for readiness. */
  readonly storageHealth: StorageHealth;
  /**
   * Runs `task` with the room loaded and kept loaded meanwhile (the server's own writes);
   * rejects with RoomLoadRefused when loading it would pass MAX_LOADED_ROOMS or the heap limit.
   */
  withRoom<T>(name: string, task: (room: Room) => Promise<T>): Promise<T>;
  /** Brings the room's automatic versions up to date, loaded or not (room-registry.ts). */
  settleHistory(name: string): Promise<void>;
  /**
   * Graceful stop: refuse new sockets, close open ones with 1012 (service restart) so clients
   * reconnect, then wait until every received update is stored. Idempotent.
   */
  close(): Promise<void>;
}

/** The server would not load a room for its own work now (too many rooms, or memory). */
export class RoomLoadRefused extends Error {}

/** How many rooms' worth of presence entries one presence update may hold (see decodeLimits). */
const PRESENCE_ENTRIES_PER_ROOM_SHARE = 4;
/** At shutdown, how long peers get to answer the 1012 close once everything is stored. */
const SHUTDOWN_CLOSE_GRACE_MS = 2_000;

/** Creates a sync server over `storage`; it owns no port (see http.ts). */
export function createSyncServer(options: SyncServerOptions): SyncServer {
  const { metrics } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
  });
  const storageHealth = new StorageHealth(options);
  const rooms = new RoomRegistry({ commentsVisibleToViewers: async () => false, ...options, storageHealth });
  const admission = new ServerAdmission(options, rooms, metrics);
  const deletions = options.deletions ? new RoomDeletions({ storage: options.deletions, rooms, logger: options.logger, metrics }) : null;
  const decodeLimits = {
    maxPresenceStateBytes: options.maxPresenceStateBytes,
    // A stock client echoes every presence change it receives, and a joiner's first echo holds
    // everyone in the room; four times what one instance's room can hold leaves room for the
    // other instances' members. More is not a client echoing a room: refused unparsed.
    maxPresenceEntries: PRESENCE_ENTRIES_PER_ROOM_SHARE * options.maxConnectionsPerRoom * options.maxPresenceIdsPerConnection,
  };
  let closing: Promise<void> | null = null;

  function accept(socket: WebSocket, target: UpgradeTarget): void {
    const connection = new Connection(socket, target, options);
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes an oversize frame's socket itself (1009 to the peer) and reports it here.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.rejected.inc({ reason: 'too_big' });
        connection.log.warn({ code: CloseCode.MESSAGE_TOO_BIG }, LogMessage.frameTooBig);
      }
    });
    socket.on('close', (code) => connection.log.debug({ code }, 'disconnected'));
    const refusal = admission.admitConnection(connection, target.clientAddress);
    if (refusal) return connection.refuse(refusal);
    connection.log.debug(LogMessage.connected);

    const frames = new FrameAdmission(options, target.clientAddress, connection.role, admission.overBudget);
    let receivedAny = false;
    connection.after(options.handshakeTimeoutMs, () => {
      if (receivedAny) return;
      // After a long stall timers run before sockets are read, so a first frame that arrived in
      // time may still be unread: look again once this turn of the event loop has read them.
      setImmediate(() => {
        if (!receivedAny) connection.refuse({ code: CloseCode.HANDSHAKE_TIMEOUT, reason: 'handshake_timeout', message: LogMessage.noHandshake });
      });
    });

    // Frames that arrive while the room loads wait here, so nothing is served before the load.
    let room: Room | null = null;
    const early: (ClientMessage | CommentOpMessage)[] = [];
    socket.on('message', (data, isBinary) => {
      if (connection.isClosed) return;
      receivedAny = true;
      const frame = toBuffer(data);
      metrics.bytesReceived.inc(frame.byteLength);
      const verdict = frames.admitFrame(frame, isBinary);
      if (typeof verdict === 'object') return connection.refuse(verdict);
      if (verdict === 'deny') {
        metrics.rejected.inc({ reason: 'read_only' });
        connection.send(READ_ONLY);
      }
      if (verdict !== 'decode') return;
      if (connection.wantsComments && isCommentOpFrame(frame)) {
        // Charged to its own rate by the room's comments, and answered rather than closed.
        const operation = decodeComment(connection, frame);
        if (!operation) return;
        if (room) handleMessage(connection, room, operation);
        else early.push(operation);
        return;
      }
      const message = decode(connection, frame);
      if (!message) return;
      const isEcho = () => message.kind === 'awareness' && room !== null && !room.presence.hasNews(connection, message.entries);
      const overRate = frames.admitMessage(message, isEcho);
      if (overRate) return connection.refuse(overRate);
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
        connection.log.error({ err: error.message }, LogMessage.roomLoadFailed);
        connection.close(CloseCode.ROOM_UNAVAILABLE);
      },
    );
  }

  function decode(connection: Connection, frame: Uint8Array): ClientMessage | null {
    try {
      return decodeClientMessage(frame, decodeLimits);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      connection.refuse({
        code: CloseCode.MALFORMED_MESSAGE,
        reason: error instanceof PresenceTooLargeError ? 'presence_too_large' : 'malformed',
        message: LogMessage.malformedFrame,
        fields: { err: error.message, bytes: frame.byteLength },
      });
      return null;
    }
  }

  function decodeComment(connection: Connection, frame: Uint8Array): CommentOpMessage | null {
    try {
      return decodeCommentOp(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      connection.refuse({ code: CloseCode.MALFORMED_MESSAGE, reason: 'malformed', message: LogMessage.malformedFrame, fields: { err: error.message, bytes: frame.byteLength } });
      return null;
    }
  }

  function handleMessage(connection: Connection, room: Room, message: ClientMessage | CommentOpMessage): void {
    try {
      room.handle(connection, message);
    } catch (error) {
      connection.log.error({ err: (error as Error).message, kind: message.kind }, 'message failed; closing');
      connection.close(CloseCode.INTERNAL_ERROR);
    }
  }

  return {
    storageHealth,
    handleUpgrade(request, socket, head, target) {
      if (closing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, target));
    },
    refuseAfterHandshake(request, socket, head, code) {
      if (closing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => ws.close(code, CLOSE_CODE_INFO[code].reason));
    },
    roomDeleted(room) {
      void deletions?.heard(room);
    },
    withRoom(name, task) {
      // The server's own work in a room loads it as a connection would: not past the limits.
      const refusal = admission.admitRoomLoad(name);
      if (refusal) return Promise.reject(new RoomLoadRefused(refusal.message));
      return rooms.withRoom(name, task);
    },
    settleHistory(name) {
      return rooms.settleHistory(name);
    },
    commentSettingsChanged(room) {
      rooms.loadedRoom(room)?.comments.viewerSettingChanged();
    },
    revokeViewLink(viewId) {
      rooms.closeWhere(CloseCode.VIEW_LINK_REVOKED, (connection) => connection.viewId === viewId);
    },
    revokeCommentLink(commentId) {
      rooms.closeWhere(CloseCode.VIEW_LINK_REVOKED, (connection) => connection.commentId === commentId);
    },
    close() {
      closing ??= (async () => {
        deletions?.stop();
        rooms.closeWhere(CloseCode.SERVICE_RESTART);
        const loaded = await rooms.loadedRooms();
        for (const room of loaded) room.stopRetryingAppends();
        await Promise.all(loaded.map((room) => Promise.all([room.whenStored(), room.comments.settled()])));
        rooms.destroyAll(loaded);
        // Everything is stored. A peer that never answers the 1012 close (a sleeping laptop, a
        // dead NAT) would hold ws's close handshake for 30 s, past the shutdown's deadline (and
        // `docker stop`'s 10 s): give the handshakes a moment, then drop the sockets left.
        const drained = new Promise<void>((resolve) => wss.close(() => resolve()));
        const grace = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
        }, SHUTDOWN_CLOSE_GRACE_MS);
        await drained;
        clearTimeout(grace);
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
