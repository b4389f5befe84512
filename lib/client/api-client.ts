/**
 * The browser's calls to Tandem's HTTP API (routes in lib/protocol/api-routes.ts and
 * lib/protocol/history-api.ts): view links, tokens, the live view's authorship and the room's
 * settings, and the one JSON call every API client goes through (the version history panel's
 * calls: history-client.ts). Every failure becomes an ApiError carrying the HTTP status (0 for network errors),
 * so callers can tell "refused" (4xx: asking again will not help) from "try again".
 */
import {
  commentLinkPath,
  TOKEN_PATH,
  viewLinkPath,
  type CommentLinkResponse,
  type TokenResponse,
  type ViewLinkResponse,
} from '../protocol/api-routes';
import {
  authorshipPath,
  roomSettingsPath,
  type AuthorshipResponse,
  type HistoryTarget,
  type RoomSettingsResponse,
} from '../protocol/history-api';

/** A failed API call: `status` is the HTTP status, or 0 when the server was not reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /**
   * True when the server refused the request itself (a 4xx), so asking again will not help;
   * 408 and 429 are "not now" rather than "no", and are retried like network errors.
   */
  get isRefusal(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

/** What a token is requested for: editing a room, commenting through a comment id, or viewing through a view id. */
export type TokenRequest = { room: string } | { commentId: string } | { viewId: string };

/** The room's current view id (the server creates one on first use). */
export async function fetchViewLink(apiBase: string, room: string, editToken?: string | null): Promise<string> {
  const body = await callApi<ViewLinkResponse>(`${apiBase}${viewLinkPath(room)}`, { method: 'GET' }, editToken);
  return requireViewId(body);
}

/** Replaces the room's view id: the old one stops working at once and its viewers are closed. */
export async function rotateViewLink(apiBase: string, room: string, editToken?: string | null): Promise<string> {
  const body = await callApi<ViewLinkResponse>(`${apiBase}${viewLinkPath(room)}`, { method: 'POST' }, editToken);
  return requireViewId(body);
}

/** The room's current comment id (the server creates one on first use). */
export async function fetchCommentLink(apiBase: string, room: string, editToken?: string | null): Promise<string> {
  const body = await callApi<CommentLinkResponse>(`${apiBase}${commentLinkPath(room)}`, { method: 'GET' }, editToken);
  return requireCommentId(body);
}

/** Replaces the room's comment id: the old one stops working at once and its commenters are closed. */
export async function rotateCommentLink(apiBase: string, room: string, editToken?: string | null): Promise<string> {
  const body = await callApi<CommentLinkResponse>(`${apiBase}${commentLinkPath(room)}`, { method: 'POST' }, editToken);
  return requireCommentId(body);
}

/** A short-lived token for a room (role edit), a comment id (role comment) or a view id (role view); token mode only. */
export async function requestToken(apiBase: string, request: TokenRequest): Promise<TokenResponse> {
  const body = await callApi<TokenResponse>(`${apiBase}${TOKEN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (typeof body?.token !== 'string' || typeof body.expiresAt !== 'number') {
    throw new ApiError(502, 'the server sent an unexpected token response');
  }
  return body;
}

/**
 * Who wrote what, for the live "Show authors" view: by room id, or through a view link when
 * the room allows it (else 403). The shape is checked here, before the colours use it.
 */
export async function fetchAuthorshipOf(
  apiBase: string,
  target: HistoryTarget,
  bearerToken?: string | null,
): Promise<AuthorshipResponse> {
  const body = await callApi<AuthorshipResponse>(`${apiBase}${authorshipPath(target)}`, { method: 'GET' }, bearerToken);
  if (!isAuthorship(body)) throw new ApiError(502, 'the server sent an unexpected authorship response');
  // A server from before restored text kept its authors sends no overrides.
  return { ...body, overrides: body.overrides ?? [] };
}

/** The room's settings (edit capability only). */
export async function fetchRoomSettings(apiBase: string, room: string, editToken?: string | null): Promise<RoomSettingsResponse> {
  const body = await callApi<RoomSettingsResponse>(`${apiBase}${roomSettingsPath(room)}`, { method: 'GET' }, editToken);
  return requireSettings(body);
}

/** Changes the room's settings; resolves with them as the server now holds them. */
export async function saveRoomSettings(
  apiBase: string,
  room: string,
  /** Either setting, or both (the server keeps the other). */
  settings: Partial<RoomSettingsResponse>,
  editToken?: string | null,
): Promise<RoomSettingsResponse> {
  const body = await callApi<RoomSettingsResponse>(
    `${apiBase}${roomSettingsPath(room)}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) },
    editToken,
  );
  return requireSettings(body);
}

function requireSettings(body: RoomSettingsResponse | null): RoomSettingsResponse {
  if (typeof body?.historyVisibleToViewers !== 'boolean' || typeof body.commentsVisibleToViewers !== 'boolean') {
    throw new ApiError(502, 'the server sent unexpected room settings');
  }
  return { historyVisibleToViewers: body.historyVisibleToViewers, commentsVisibleToViewers: body.commentsVisibleToViewers };
}

/** An authorship answer, `overrides` absent included (older servers). */
export function isAuthorship(body: unknown): body is Omit<AuthorshipResponse, 'overrides'> & Partial<Pick<AuthorshipResponse, 'overrides'>> {
  if (typeof body !== 'object' || body === null) return false;
  const { clients, authors, deletions, overrides } = body as Partial<AuthorshipResponse>;
  return (
    typeof clients === 'object' &&
    clients !== null &&
    Object.values(clients).every((author) => typeof author === 'string') &&
    Array.isArray(authors) &&
    authors.every((author) => typeof author?.id === 'string' && typeof author.name === 'string' && typeof author.color === 'string') &&
    Array.isArray(deletions) &&
    (overrides === undefined || (Array.isArray(overrides) && overrides.every(isOverride)))
  );
}

const CLIENT_ID = /^\d{1,10}$/;

function isOverride(override: unknown): boolean {
  if (typeof override !== 'object' || override === null) return false;
  const { client, clock, length, author } = override as Partial<AuthorshipResponse['overrides'][number]>;
  return (
    typeof client === 'string' &&
    CLIENT_ID.test(client) &&
    Number.isSafeInteger(clock) &&
    clock! >= 0 &&
    Number.isSafeInteger(length) &&
    length! >= 1 &&
    typeof author === 'string'
  );
}

function requireCommentId(body: CommentLinkResponse | null): string {
  if (typeof body?.commentId !== 'string' || body.commentId === '') {
    throw new ApiError(502, 'the server sent an unexpected comment link response');
  }
  return body.commentId;
}

function requireViewId(body: ViewLinkResponse | null): string {
  if (typeof body?.viewId !== 'string' || body.viewId === '') {
    throw new ApiError(502, 'the server sent an unexpected view link response');
  }
  return body.viewId;
}

/**
 * One JSON call: the bearer token when given, no caching; a failure becomes an ApiError; a
 * body that is not JSON resolves null (callers check the shape).
 */
export async function callApi<T>(url: string, init: RequestInit, bearerToken?: string | null): Promise<T | null> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (bearerToken) headers.set('authorization', `Bearer ${bearerToken}`);
  let response: Response;
  try {
    // no-store: view ids rotate and tokens expire, so a cached answer would be wrong.
    response = await fetch(url, { ...init, headers, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, `the server could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) throw new ApiError(response.status, await describeFailure(response));
  try {
    return (await response.json()) as T;
  } catch {
    // A proxy's HTML error page or a truncated body: report it like any bad answer.
    return null;
  }
}

/** The server's own `{ error }` message when it sent one, else the HTTP status. */
export async function describeFailure(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string' && body.error) return body.error;
  } catch {
    // Not JSON: fall back to the status line below.
  }
  return `the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}
