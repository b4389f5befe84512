/**
 * The HTTP front of a Tandem process: health endpoints, and routing of WebSocket upgrades on
 * `/sync/<room>` to the sync server (after validating the room id). Everything else goes to
 * the optional web app (Next.js) or gets a 404.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isValidRoomId } from '../lib/room-id';
import { SAVED_ACKS_PARAM, SYNC_PATH } from '../lib/sync-protocol';
import type { Logger } from './log';
import type { DocumentStorage } from './storage';
import type { SyncServer } from './sync-server';

export interface WebApp {
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
  handleUpgrade?(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface HttpServerOptions {
  sync: SyncServer;
  storage: DocumentStorage;
  logger: Logger;
  /** The Next.js app in `npm start`; absent for the standalone sync server. */
  webApp?: WebApp;
}

/** Creates (but does not start) the HTTP server. */
export function createHttpServer({ sync, storage, logger, webApp }: HttpServerOptions): http.Server {
  const server = http.createServer((request, response) => {
    const { pathname } = parseUrl(request);
    if (pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      storage.ping().then(
        () => sendJson(response, 200, { status: 'ready', storage: storage.kind }),
        (error: Error) => {
          logger.warn({ err: error.message }, 'readiness check failed');
          sendJson(response, 503, { status: 'unavailable', storage: storage.kind });
        },
      );
      return;
    }
    if (webApp) return webApp.handleRequest(request, response);
    sendJson(response, 404, { error: 'not found' });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname, searchParams } = parseUrl(request);
    const prefix = `${SYNC_PATH}/`;
    if (pathname.startsWith(prefix)) {
      const roomName = pathname.slice(prefix.length);
      if (!isValidRoomId(roomName)) {
        logger.warn({ path: pathname.slice(0, 200) }, 'upgrade refused: invalid room id');
        return rejectUpgrade(socket, 400, 'Bad Request', 'invalid room id');
      }
      const wantsSavedAcks = searchParams.get(SAVED_ACKS_PARAM) === '1';
      return sync.handleUpgrade(request, socket, head, { roomName, wantsSavedAcks });
    }
    if (webApp?.handleUpgrade) return webApp.handleUpgrade(request, socket, head);
    rejectUpgrade(socket, 404, 'Not Found', 'no WebSocket endpoint here');
  });
  return server;
}

function parseUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    // An unparsable request target matches no route; it gets a 404 like any unknown path.
    return new URL('http://localhost/');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function rejectUpgrade(socket: Duplex, status: number, statusText: string, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
