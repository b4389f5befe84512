/**
 * Tandem's small HTTP API (routes in lib/protocol/api-routes.ts): view and comment links per room,
 * and, where the web app runs in token mode, short-lived tokens for the holders of edit, comment
 * and view links; version history's routes are history-api.ts's, images' image-api.ts's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PREFIX, TOKEN_PATH, type CommentLinkResponse, type TokenResponse, type ViewLinkResponse } from '../lib/protocol/api-routes';
import { createRoomId, isValidRoomId } from '../lib/protocol/room-id';
import { mintToken, type TokenPolicy } from './auth';
import { LogMessage } from './log-messages';
import { pathForLog, roomLogId, type Logger } from './log';
import { InvalidHistoryError, type LinkStore, type RoomCatalog, type TombstoneKind } from './storage';
import { bearerClaims, HttpError, readJson } from './api-request';
import { createHistoryApi, RestoreInProgress, type ApiResult, type HistoryService } from './history-api';
import { BASE_SECURITY_HEADERS } from './security-headers';
import { RoomLoadRefused } from './sync-server';
import { isOriginAllowed, type AllowedOrigins } from './upgrade';

export interface ApiOptions {
  /** Where view and comment links are kept. */
  links: LinkStore;
  /** Deleted rooms: a route naming one, or a link to one, is answered 410. */
  tombstones: Pick<RoomCatalog, 'tombstoned'>;
  logger: Logger;
  /** Token mode's policy; null in open mode. */
  tokens: TokenPolicy | null;
  tokenTtlSeconds: number;
  allowedOrigins: AllowedOrigins;
  /** Serve POST /api/token (the web app's process only; integrators mint their own). */
  mintTokens: boolean;
  /** Disconnects everyone connected through a view id that was just replaced. */
  revokeViewLink(viewId: string): void;
  /** Disconnects everyone connected through a comment id that was just replaced. */
  revokeCommentLink(commentId: string): void;
  /** Version history (history-api.ts); absent, its routes answer 404. */
  history?: HistoryService;
  /** Image upload and serving (image-api.ts): answers its routes, returns false for others; absent, they answer 404. */
  images?: (request: IncomingMessage, response: ServerResponse, url: URL) => boolean;
}

const LINK_ROUTE = new RegExp(`^${API_PREFIX}/rooms/([^/]+)/(view|comment)-link$`);
/** Every route that names a room, a view id or a comment id as its first segment. */
const ID_ROUTE = new RegExp(`^${API_PREFIX}/(rooms|views|comments)/([^/]+)/`);
const ID_KINDS: Record<string, TombstoneKind> = { rooms: 'room', views: 'view', comments: 'comment' };

/** What a route gets for a deleted room (or a link that led to one). */
const DELETED = 'this document was deleted';


/** Returns a handler that answers API requests and returns false for anything else. */
export function createApiHandler(options: ApiOptions) {
  const { links, tokens, tombstones } = options;

  /** 410 when `id` (of `kind`) belongs to a deleted room. */
  async function refuseDeleted(kind: TombstoneKind, id: unknown): Promise<void> {
    if (isValidRoomId(id) && (await tombstones.tombstoned(kind, [id])).size > 0) throw new HttpError(410, DELETED);
  }
  const routeHistory = options.history ? createHistoryApi({ history: options.history, links, tokens }) : () => null;

  async function requireEditor(request: IncomingMessage, room: string): Promise<void> {
    await bearerClaims(request, tokens, room, 'edit');
  }

  /** A link kind's three store operations and what rotating it revokes. */
  const kinds = {
    view: {
      ensure: (room: string, candidate: string) => links.ensureViewId(room, candidate),
      replace: (room: string, next: string) => links.replaceViewId(room, next),
      revoke: (id: string) => options.revokeViewLink(id),
      rotated: LogMessage.viewLinkRotated,
    },
    comment: {
      ensure: (room: string, candidate: string) => links.ensureCommentId(room, candidate),
      replace: (room: string, next: string) => links.replaceCommentId(room, next),
      revoke: (id: string) => options.revokeCommentLink(id),
      rotated: LogMessage.commentLinkRotated,
    },
  };

  /** GET: the room's id of that kind (created on first use); POST: rotates it. */
  async function linkId(request: IncomingMessage, room: string, kind: keyof typeof kinds): Promise<string> {
    if (!isValidRoomId(room)) throw new HttpError(400, 'invalid room id');
    await requireEditor(request, room);
    const link = kinds[kind];
    if (request.method === 'GET') return link.ensure(room, createRoomId());
    if (request.method !== 'POST') throw new HttpError(405, 'use GET or POST');
    const next = createRoomId();
    const current = await link.ensure(room, next);
    if (current !== next) {
      await link.replace(room, next);
      link.revoke(current);
      options.logger.info({ room: roomLogId(room) }, link.rotated);
    }
    return next;
  }

  async function linkResponse(request: IncomingMessage, room: string, kind: keyof typeof kinds): Promise<ViewLinkResponse | CommentLinkResponse> {
    const id = await linkId(request, room, kind);
    return kind === 'view' ? { viewId: id } : { commentId: id };
  }

  async function token(request: IncomingMessage): Promise<TokenResponse> {
    if (!tokens || !options.mintTokens) throw new HttpError(404, 'not found');
    if (request.method !== 'POST') throw new HttpError(405, 'use POST');
    const body = await readJson(request);
    await refuseDeleted('room', body.room);
    await refuseDeleted('view', body.viewId);
    await refuseDeleted('comment', body.commentId);
    if (isValidRoomId(body.room)) {
      const minted = await mintToken(tokens, { room: body.room, role: 'edit' }, options.tokenTtlSeconds);
      return { ...minted, role: 'edit' };
    }
    if (isValidRoomId(body.viewId) && (await links.roomForViewId(body.viewId))) {
      // The claim names the view id, never the room: a viewer's token must not reveal it.
      const minted = await mintToken(tokens, { room: body.viewId, role: 'view' }, options.tokenTtlSeconds);
      return { ...minted, role: 'view' };
    }
    if (isValidRoomId(body.commentId) && (await links.roomForCommentId(body.commentId))) {
      // Likewise the comment id: a commenter's token must not reveal the room.
      const minted = await mintToken(tokens, { room: body.commentId, role: 'comment' }, options.tokenTtlSeconds);
      return { ...minted, role: 'comment' };
    }
    throw new HttpError(404, 'no such document');
  }

  return function handleApi(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const origin = request.headers.origin;
    if (!isOriginAllowed(request, options.allowedOrigins)) {
      sendJson(response, 403, { error: 'origin not allowed' });
      return true;
    }
    if (origin && Array.isArray(options.allowedOrigins) && options.allowedOrigins.length > 0) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'origin');
    }
    if (request.method === 'OPTIONS') {
      response.setHeader('access-control-allow-methods', 'GET, POST');
      response.setHeader('access-control-allow-headers', 'authorization, content-type');
      response.writeHead(204).end();
      return true;
    }
    if (options.images?.(request, response, url)) return true;
    const linkMatch = LINK_ROUTE.exec(url.pathname);
    const idMatch = ID_ROUTE.exec(url.pathname);
    const route = (): Promise<ApiResult> =>
      linkMatch
        ? linkResponse(request, linkMatch[1], linkMatch[2] as keyof typeof kinds).then((json) => ({ status: 200, json }))
        : url.pathname === TOKEN_PATH
          ? token(request).then((json) => ({ status: 200, json }))
          : (routeHistory(request, url) ?? Promise.reject(new HttpError(404, 'not found')));
    const work = idMatch ? refuseDeleted(ID_KINDS[idMatch[1]], idMatch[2]).then(route) : route();
    work.then(
      (result) => {
        if ('json' in result) return sendJson(response, result.status, result.json);
        response.writeHead(result.status, {
          'content-type': result.contentType,
          'content-length': result.bytes.byteLength,
          'cache-control': 'no-store',
          ...BASE_SECURITY_HEADERS,
        });
        response.end(result.bytes);
      },
      (error: Error) => {
        if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
        if (error instanceof RestoreInProgress) return sendJson(response, 409, { error: error.message });
        if (error instanceof InvalidHistoryError) return sendJson(response, 400, { error: error.message });
        if (error instanceof RoomLoadRefused) return sendJson(response, 503, { error: `the server is busy: ${error.message}` });
        options.logger.error({ err: error.message, path: pathForLog(url.pathname) }, 'API request failed');
        sendJson(response, 500, { error: 'internal error' });
      },
    );
    return true;
  };
}

/** Writes a JSON response that is never cached. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...BASE_SECURITY_HEADERS });
  response.end(JSON.stringify(body));
}
