/**
 * Decides whether a WebSocket upgrade may proceed, before any document is touched: the path
 * names a valid room (`/sync/<room>`), view link (`/sync/view/<viewId>`) or comment link
 * (`/sync/comment/<commentId>`), the browser origin is allowed, the token (in token mode)
 * grants it, and a link resolves to a room.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, type CloseCodeValue } from '../lib/protocol/close-codes';
import { isValidRoomId } from '../lib/protocol/room-id';
import { COMMENTS_PARAM } from '../lib/protocol/comments';
import { COMMENT_SYNC_PATH, SAVED_ACKS_PARAM, SYNC_PATH, TOKEN_PARAM, VIEW_SYNC_PATH } from '../lib/protocol/sync-protocol';
import { lesserRole, TokenError, verifyToken, type Role, type TokenClaims, type TokenPolicy } from './auth';
import { authorOf, type ConnectionAuthor } from './authors';
import type { ClientAddresses } from './client-address';
import type { RejectionReason } from './metrics';
import type { DocumentLog, LinkStore, RoomCatalog, TombstoneKind } from './storage';

/** Where an accepted upgrade goes and with which rights. */
export interface UpgradeTarget {
  roomName: string;
  role: Role;
  /** The view id used, for view-link connections (so rotation can find them). */
  viewId: string | null;
  /** The comment id used, for comment-link connections (so rotation can find them). */
  commentId: string | null;
  /** The client asked for SAVED acknowledgements. */
  wantsSavedAcks: boolean;
  /** The client asked for comment threads and may send comment operations (`?comments=1`). */
  wantsComments: boolean;
  /** When the connection's token expires (epoch ms), in token mode. */
  tokenExpiresAt: number | null;
  /** Who the connection is from, as the per-address caps count it (client-address.ts). */
  clientAddress: string;
  /** Whom its changes are attributed to (authors.ts). */
  author: ConnectionAuthor;
}

/** A refused upgrade: the HTTP status to answer, and the reason for logs and metrics. */
export interface UpgradeRefusal {
  status: 400 | 401 | 403 | 404 | 410;
  message: string;
  reason: RejectionReason;
  /**
   * Refuse after the WebSocket handshake, closing with this code, instead of answering the
   * status: a browser never sees an upgrade's HTTP status, and must know this close (a deleted
   * document, whose offline copy it then drops).
   */
  closeCode?: CloseCodeValue;
}

export interface UpgradePolicy {
  /** Asked whether a short room id names a stored document (MIN_NEW_ROOM_ID_LENGTH). */
  documents: DocumentLog;
  /** Resolves a view or comment link to its room. */
  links: LinkStore;
  /** Deleted rooms' ids, refused (4404) from then on. */
  tombstones: Pick<RoomCatalog, 'tombstoned'>;
  /** Token mode's policy; null in open mode. */
  tokens: TokenPolicy | null;
  allowedOrigins: AllowedOrigins;
  /** MIN_NEW_ROOM_ID_LENGTH, applied in open mode. */
  minNewRoomIdLength: number;
  /** Resolves the client address (TRUSTED_PROXIES, CLIENT_ADDRESS_HEADER). */
  addresses: ClientAddresses;
}

/** True when this request is for the sync server at all. */
export function isSyncPath(pathname: string): boolean {
  return pathname.startsWith(`${SYNC_PATH}/`);
}

/**
 * Browser origins that may open sockets and call the API: a list (ALLOWED_ORIGINS; empty allows
 * any, the standalone server's default since it serves an app elsewhere), or `same-origin`
 * (the app process's default: only pages it served itself).
 */
export type AllowedOrigins = string[] | 'same-origin';

/** The origin policy of a process: ALLOWED_ORIGINS when set, else same-origin where the app is served. */
export function originPolicy(allowedOrigins: string[], servesApp: boolean): AllowedOrigins {
  return allowedOrigins.length === 0 && servesApp ? 'same-origin' : allowedOrigins;
}

/** Whether the request's browser origin may connect; requests without Origin (non-browsers) may. */
export function isOriginAllowed(request: IncomingMessage, allowed: AllowedOrigins): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowed === 'same-origin') return isSameOrigin(origin, request.headers.host);
  return allowed.length === 0 || allowed.includes(origin);
}

/**
 * Same origin as far as this process can tell: the Origin's host[:port] is the Host the request
 * was sent to. The scheme is not compared: behind a TLS proxy the page is https while this
 * process sees http, and a browser cannot forge Host.
 */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false; // "null" (sandboxed frames, file:) or a malformed header
  }
}

/**
 * Whether open mode refuses `room` as a new document: shorter than MIN_NEW_ROOM_ID_LENGTH (a
 * guessable capability, e.g. /d/notes) and nothing stored under it. Token mode names rooms in
 * signed tokens, so any id goes there.
 */
export async function isRefusedNewRoom(
  room: string,
  policy: { tokenMode: boolean; minNewRoomIdLength: number; documents: DocumentLog },
): Promise<boolean> {
  // A short id stored before MIN_NEW_ROOM_ID_LENGTH was set still opens.
  return !policy.tokenMode && room.length < policy.minNewRoomIdLength && !(await policy.documents.holdsRoom(room));
}

/** What a sync path goes through: the room itself, or one of its links, and the role it grants. */
function linkOf(pathname: string): { kind: TombstoneKind; prefix: string; role: Role } {
  if (pathname.startsWith(`${VIEW_SYNC_PATH}/`)) return { kind: 'view', prefix: `${VIEW_SYNC_PATH}/`, role: 'view' };
  if (pathname.startsWith(`${COMMENT_SYNC_PATH}/`)) return { kind: 'comment', prefix: `${COMMENT_SYNC_PATH}/`, role: 'comment' };
  return { kind: 'room', prefix: `${SYNC_PATH}/`, role: 'edit' };
}

/** A deleted room's id, or a link that led to it: closed with 4404 once the socket is open. */
const DELETED_REFUSAL: UpgradeRefusal = { status: 410, message: 'this document was deleted', reason: 'deleted_room', closeCode: CloseCode.DOCUMENT_DELETED };

/** Resolves an upgrade request to its target, or to the reason it is refused. */
export async function resolveUpgrade(
  request: IncomingMessage,
  url: URL,
  policy: UpgradePolicy,
): Promise<UpgradeTarget | UpgradeRefusal> {
  if (!isOriginAllowed(request, policy.allowedOrigins)) {
    return { status: 403, message: 'origin not allowed', reason: 'origin' };
  }
  const via = linkOf(url.pathname);
  const id = url.pathname.slice(via.prefix.length);
  if (!isValidRoomId(id)) {
    return { status: 400, message: `invalid ${via.kind} id`, reason: 'invalid_room' };
  }

  let role: Role = via.role;
  let tokenExpiresAt: number | null = null;
  let claims: TokenClaims | null = null;
  if (policy.tokens) {
    try {
      // The token names what the URL names; the connection gets the lesser of the two roles
      // (on /sync/<room> a view token connects read-only).
      claims = await verifyToken(url.searchParams.get(TOKEN_PARAM), policy.tokens, id, 'view');
      // A comment token is minted for a comment id; naming a room it would be a capability no
      // link hands out, so it is refused rather than read as view or edit.
      if (claims.role === 'comment' && via.kind === 'room') throw new TokenError(403, 'a comment token connects only through its comment link');
      role = lesserRole(role, claims.role);
      tokenExpiresAt = claims.exp * 1000;
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return { status: error.status, message: error.message, reason: error.status === 401 ? 'unauthorized' : 'forbidden' };
    }
  }

  // After the token: without one, nobody learns which ids named documents.
  if ((await policy.tombstones.tombstoned(via.kind, [id])).size > 0) return DELETED_REFUSAL;
  if (via.kind === 'room' && (await isRefusedNewRoom(id, { ...policy, tokenMode: policy.tokens !== null }))) {
    return { status: 400, message: `room id too short for a new document (at least ${policy.minNewRoomIdLength} characters)`, reason: 'invalid_room' };
  }

  let roomName = id;
  if (via.kind === 'view') {
    const room = await policy.links.roomForViewId(id);
    if (!room) return { status: 404, message: 'unknown view link', reason: 'unknown_view_link' };
    roomName = room;
  }
  if (via.kind === 'comment') {
    const room = await policy.links.roomForCommentId(id);
    if (!room) return { status: 404, message: 'unknown comment link', reason: 'unknown_comment_link' };
    roomName = room;
  }
  return {
    roomName,
    role,
    viewId: via.kind === 'view' ? id : null,
    commentId: via.kind === 'comment' ? id : null,
    wantsSavedAcks: role === 'edit' && url.searchParams.get(SAVED_ACKS_PARAM) === '1',
    wantsComments: url.searchParams.get(COMMENTS_PARAM) === '1',
    tokenExpiresAt,
    clientAddress: policy.addresses.clientKey(request),
    author: authorOf(url, claims),
  };
}
