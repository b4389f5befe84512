/**
 * The HTTP front of a Tandem process: health, readiness and metrics endpoints, the API, and
 * WebSocket upgrades on `/sync/...` (authorized in upgrade.ts before the sync server sees
 * them). Everything else goes to the optional web app (Next.js) or gets a 404.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createApiHandler, sendJson } from './api';
import { createImageApi } from './image-api';
import { ClientAddresses } from './client-address';
import type { HistoryService } from './history-api';
import type { ServerConfig } from './config';
import { pathForLog, type Logger } from './log';
import { LogMessage } from './log-messages';
import type { Metrics } from './metrics';
import { guardHttpSockets } from './http-sockets';
import type { ScaleOut } from './scale-out';
import type { DocumentLog, ImageStore, LinkStore, RoomCatalog } from './storage';
import type { StorageHealth } from './storage-health';
import type { SyncServer } from './sync-server';
import { BASE_SECURITY_HEADERS } from './security-headers';
import { isSyncPath, originPolicy, resolveUpgrade } from './upgrade';

export interface WebApp {
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
  handleUpgrade?(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface HttpServerOptions {
  config: ServerConfig;
  sync: SyncServer;
  /** Readiness pings it; upgrades ask it whether a short room id names a stored document. */
  documents: DocumentLog;
  /** The link API and upgrades on /sync/view/<viewId> and /sync/comment/<commentId> (one database holds both). */
  links: LinkStore;
  /** Deleted rooms: their ids are refused by upgrades (4404) and the API (410). */
  tombstones: Pick<RoomCatalog, 'tombstoned'>;
  /** Version history's routes (history-api.ts). */
  history?: HistoryService;
  /** Uploaded images (image-api.ts); absent, their routes answer 404. */
  images?: ImageStore;
  /**
   * Fan-out to other instances (REDIS_URL): readiness reports Redis (degraded, still ready,
   * while it is away), and a rotated view or comment link closes its connections on every instance.
   */
  scale?: ScaleOut;
  logger: Logger;
  metrics: Metrics;
  /** The Next.js app in `npm start`; absent for the standalone sync server. */
  webApp?: WebApp;
}

/** Creates (but does not start) the HTTP server. */
export function createHttpServer({ config, sync, documents, links, tombstones, history, images, scale, logger, metrics, webApp }: HttpServerOptions): http.Server {
  const tokens = config.authSecret
    ? { secret: config.authSecret, audience: config.tokenAudience, maxTtlSeconds: config.maxTokenTtlSeconds }
    : null;
  const allowedOrigins = originPolicy(config.allowedOrigins, webApp !== undefined);
  const handleApi = createApiHandler({
    links,
    tombstones,
    logger,
    tokens,
    tokenTtlSeconds: config.tokenTtlSeconds,
    allowedOrigins,
    mintTokens: webApp !== undefined,
    history,
    images: images
      ? createImageApi({
          images,
          documents,
          tombstones,
          tokens,
          maxUploadBytes: config.maxUploadBytes,
          maxRoomUploadBytes: config.maxRoomUploadBytes,
          minNewRoomIdLength: config.minNewRoomIdLength,
          logger,
          metrics,
        })
      : undefined,
    revokeViewLink: (viewId) => {
      sync.revokeViewLink(viewId);
      scale?.revokeViewLink(viewId);
    },
    revokeCommentLink: (commentId) => {
      sync.revokeCommentLink(commentId);
      scale?.revokeCommentLink(commentId);
    },
  });

  const addresses = new ClientAddresses(config.trustedProxies, config.clientAddressHeader);
  const server = http.createServer((request, response) => {
    const url = parseUrl(request);
    if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      void checkReadiness(documents, sync.storageHealth, scale).then(({ ready, body, storageError }) => {
        if (!ready) logger.warn({ ...body, err: storageError }, 'readiness check failed');
        sendJson(response, ready ? 200 : 503, body);
      });
      return;
    }
    if (url.pathname === '/metrics') {
      if (config.metricsToken && !hasBearer(request, config.metricsToken)) {
        metrics.rejected.inc({ reason: 'unauthorized' });
        response.setHeader('www-authenticate', 'Bearer');
        return sendJson(response, 401, { error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
      }
      metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': metrics.registry.contentType, ...BASE_SECURITY_HEADERS });
          response.end(text);
        },
        (error: Error) => {
          logger.error({ err: error.message }, 'metrics collection failed');
          sendJson(response, 500, { error: 'metrics unavailable' });
        },
      );
      return;
    }
    if (handleApi(request, response, url)) return;
    if (webApp) return webApp.handleRequest(request, response);
    sendJson(response, 404, { error: 'not found' });
  });
  // Slow or stalled requests (upgrades included) are cut off instead of holding sockets: until
  // the headers are in by guardHttpSockets' deadline, then (a slow body) by Node's requestTimeout,
  // which Node checks every 30 s (its connectionsCheckingInterval; a shorter one would also cut
  // off honest requests whose bytes arrived in time but were read late by a stalled server).
  server.headersTimeout = config.handshakeTimeoutMs;
  server.requestTimeout = config.handshakeTimeoutMs;
  guardHttpSockets(server, { ...config, addresses, metrics, logger });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = parseUrl(request);
    if (!isSyncPath(url.pathname)) {
      if (webApp?.handleUpgrade) return webApp.handleUpgrade(request, socket, head);
      return rejectUpgrade(socket, 404, 'no WebSocket endpoint here');
    }
    socket.on('error', () => socket.destroy());
    resolveUpgrade(request, url, { documents, links, tombstones, tokens, allowedOrigins, minNewRoomIdLength: config.minNewRoomIdLength, addresses }).then(
      (result) => {
        if ('status' in result) {
          metrics.rejected.inc({ reason: result.reason });
          // Never log the query string: it may hold a token.
          logger.warn({ path: pathForLog(url.pathname), status: result.status, why: result.message }, LogMessage.upgradeRefused);
          if (result.closeCode) return sync.refuseAfterHandshake(request, socket, head, result.closeCode);
          return rejectUpgrade(socket, result.status, result.message);
        }
        sync.handleUpgrade(request, socket, head, result);
      },
      (error: Error) => {
        logger.error({ err: error.message }, 'upgrade failed');
        rejectUpgrade(socket, 503, 'temporarily unavailable');
      },
    );
  });
  return server;
}

/**
 * Storage and, with scale-out, Redis. Ready means this instance can store what its clients
 * send: storage answers, and appends are not failing (a read alone says nothing of a full or
 * read-only disk). Full storage (`full` names the limit) refuses only new content, so it
 * stays ready. Redis down is `redis: "degraded"`, still ready: each instance keeps serving
 * its own clients and heals when Redis returns, and a shared Redis must not take every
 * instance out of the load balancer at once. The body says what is wrong; for Redis also why
 * (ioredis reasons name connection states and timeouts, never credentials). A storage error
 * is only logged: it may name the database file or host.
 */
async function checkReadiness(
  storage: DocumentLog,
  health: StorageHealth,
  scale: ScaleOut | undefined,
): Promise<{ ready: boolean; body: Record<string, string>; storageError?: string }> {
  const [storageCheck, writeCheck, redisCheck] = await Promise.allSettled([
    within(storage.ping(), 'storage did not answer'),
    within(health.check(), 'storage write probe did not answer'),
    scale ? scale.ping() : Promise.resolve(),
  ]);
  const body: Record<string, string> = { status: 'ready', storage: storage.kind };
  const writes = writeCheck.status === 'fulfilled' ? writeCheck.value : { writes: 'failing' as const, full: null };
  if (writes.writes === 'failing') body.writes = 'failing';
  if (writes.full) body.full = writes.full === 'quota' ? 'MAX_STORAGE_BYTES' : 'MIN_FREE_DISK_BYTES';
  const reasons: string[] = [];
  if (writes.writes === 'failing' && writes.detail) reasons.push(`storage: ${writes.detail}`);
  if (scale) {
    body.redis = redisCheck.status === 'fulfilled' ? 'up' : 'degraded';
    if (redisCheck.status === 'rejected') reasons.push(`redis: ${(redisCheck.reason as Error).message}`);
  }
  if (reasons.length > 0) body.reason = reasons.join('; ');
  const ready = storageCheck.status === 'fulfilled' && writes.writes === 'ok';
  if (ready) return { ready, body };
  body.status = 'unavailable';
  const storageError = storageCheck.status === 'rejected' ? (storageCheck.reason as Error).message : undefined;
  return { ready, body, storageError };
}

/** A readiness probe answers in time whatever storage does (a silent database hangs queries). */
const READINESS_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function hasBearer(request: IncomingMessage, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(request.headers.authorization ?? ''), digest(`Bearer ${token}`));
}

function parseUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    // An unparsable request target matches no route; it gets a 404 like any unknown path.
    return new URL('http://localhost/');
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  503: 'Service Unavailable',
};

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
