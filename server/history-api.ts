/**
 * The version-history routes (lib/protocol/history-api.ts documents them): who may call which,
 * what a malformed request gets, and the JSON on the wire. What a version is and how a
 * restore works is history/service.ts's; this file only admits requests and shapes answers.
 */
import type { IncomingMessage } from 'node:http';
import { API_PREFIX } from '../lib/protocol/api-routes';
import {
  isValidVersionId,
  MAX_VERSION_NAME_LENGTH,
  type AuthorshipResponse,
  type RoomSettingsResponse,
  type Version,
  type VersionListResponse,
} from '../lib/protocol/history-api';
import { isValidRoomId } from '../lib/protocol/room-id';
import { isValidAuthorKey } from '../lib/protocol/author-id';
import { PRESENCE_COLOR_PATTERN } from '../lib/protocol/presence-schema';
import { bearerClaims, HttpError, readJson } from './api-request';
import type { TokenPolicy } from './auth';
import { ANONYMOUS_AUTHOR_ID, authorIdForKey } from './authors';
import type { AuthorRecord, LinkStore, RoomSettings, VersionRecord } from './storage';

/** What the history service does for the routes (history/service.ts). */
export interface HistoryService {
  listVersions(room: string, before: string | null): Promise<{ versions: VersionRecord[]; nextBefore: string | null }>;
  /** A named version of the current state. */
  nameVersion(room: string, name: string, author: AuthorRecord): Promise<VersionRecord>;
  /** Names an existing version where it is; null for an unknown version. */
  renameVersion(room: string, versionId: string, name: string): Promise<VersionRecord | null>;
  /** The document at a version (v1 update), or null for an unknown version. */
  versionState(room: string, versionId: string): Promise<Uint8Array | null>;
  /** Restores a version; null for an unknown version; throws RestoreInProgress while one runs. */
  restore(room: string, versionId: string, author: AuthorRecord): Promise<VersionRecord | null>;
  authorship(room: string): Promise<AuthorshipResponse>;
  getSettings(room: string): Promise<RoomSettings>;
  updateSettings(room: string, settings: RoomSettings): Promise<void>;
}

/** A second restore of a room while one runs. */
export class RestoreInProgress extends Error {
  constructor() {
    super('a restore of this document is already running; try again when it finishes');
  }
}

/** An API answer: JSON, or raw bytes (a version's state). */
export type ApiResult = { status: number; json: unknown } | { status: number; bytes: Uint8Array; contentType: string };

export interface HistoryApiOptions {
  history: HistoryService;
  links: LinkStore;
  /** Token mode's policy; null in open mode. */
  tokens: TokenPolicy | null;
}

const ROOM_ROUTE = new RegExp(`^${API_PREFIX}/rooms/([^/]+)/(versions|authorship|settings)(?:/([^/]+)/(state|restore))?$`);
const LINK_ROUTE = new RegExp(`^${API_PREFIX}/(views|comments)/([^/]+)/(versions|authorship)(?:/([^/]+)/(state))?$`);

/** Returns the route handler: a promise of the answer, or null for a path that is not history's. */
export function createHistoryApi(options: HistoryApiOptions) {
  const { history, links, tokens } = options;

  /** In token mode, an edit token for the room; in open mode the room id is the capability. */
  const editorOf = (request: IncomingMessage, room: string) => bearerClaims(request, tokens, room, 'edit');
  /** In token mode, a token for the link's id (view and comment tokens name it, never the room). */
  const readerOf = (request: IncomingMessage, linkId: string) => bearerClaims(request, tokens, linkId, 'view');

  async function version(room: string, versionId: string): Promise<ApiResult> {
    const state = await history.versionState(room, versionId);
    if (!state) throw new HttpError(404, 'no such version');
    return { status: 200, bytes: state, contentType: 'application/octet-stream' };
  }

  async function list(room: string, url: URL): Promise<ApiResult> {
    const before = url.searchParams.get('before');
    if (before !== null && !isValidVersionId(before)) throw new HttpError(400, 'invalid version id in "before"');
    const page = await history.listVersions(room, before);
    const body: VersionListResponse = { versions: page.versions.map(toWire), nextBefore: page.nextBefore };
    return { status: 200, json: body };
  }

  async function roomRoute(request: IncomingMessage, url: URL, match: RegExpExecArray): Promise<ApiResult> {
    const [, room, resource, versionId, action] = match;
    if (!isValidRoomId(room)) throw new HttpError(400, 'invalid room id');
    if (versionId !== undefined && !isValidVersionId(versionId)) throw new HttpError(400, 'invalid version id');
    const claims = await editorOf(request, room);
    const method = request.method ?? 'GET';
    if (resource === 'settings') {
      if (method === 'GET') return { status: 200, json: settingsBody(await history.getSettings(room)) };
      if (method !== 'POST') throw new HttpError(405, 'use GET or POST');
      const body = await readJson(request);
      // Either setting, or both: one left out keeps its stored value.
      const settings = { ...(await history.getSettings(room)) };
      for (const name of ['historyVisibleToViewers', 'commentsVisibleToViewers'] as const) {
        if (body[name] === undefined) continue;
        if (typeof body[name] !== 'boolean') throw new HttpError(400, `"${name}" must be true or false`);
        settings[name] = body[name];
      }
      await history.updateSettings(room, settings);
      return { status: 200, json: settingsBody(settings) };
    }
    if (resource === 'authorship') {
      if (method !== 'GET') throw new HttpError(405, 'use GET');
      return { status: 200, json: await history.authorship(room) };
    }
    if (action === 'state') {
      if (method !== 'GET') throw new HttpError(405, 'use GET');
      return version(room, versionId);
    }
    if (action === 'restore') {
      if (method !== 'POST') throw new HttpError(405, 'use POST');
      const author = requester(await readJson(request), claims);
      const restored = await history.restore(room, versionId, author);
      if (!restored) throw new HttpError(404, 'no such version');
      return { status: 200, json: { version: toWire(restored) } };
    }
    if (method === 'GET') return list(room, url);
    if (method !== 'POST') throw new HttpError(405, 'use GET or POST');
    const body = await readJson(request);
    const name = typeof body.name === 'string' ? body.name.trim() : null;
    if (!name) throw new HttpError(400, 'a version needs a "name"');
    if (name.length > MAX_VERSION_NAME_LENGTH) throw new HttpError(400, `a version name has at most ${MAX_VERSION_NAME_LENGTH} characters`);
    if (body.versionId !== undefined) {
      if (!isValidVersionId(body.versionId)) throw new HttpError(400, 'invalid version id in "versionId"');
      const renamed = await history.renameVersion(room, body.versionId, name);
      if (!renamed) throw new HttpError(404, 'no such version');
      return { status: 200, json: { version: toWire(renamed) } };
    }
    const named = await history.nameVersion(room, name, requester(body, claims));
    return { status: 201, json: { version: toWire(named) } };
  }

  /** A view or comment link's read-only history: commenters read it exactly as viewers do. */
  async function linkRoute(request: IncomingMessage, url: URL, match: RegExpExecArray): Promise<ApiResult> {
    const [, collection, linkId, resource, versionId] = match;
    const kind = collection === 'views' ? 'view' : 'comment';
    if (!isValidRoomId(linkId)) throw new HttpError(400, `invalid ${kind} id`);
    if (versionId !== undefined && !isValidVersionId(versionId)) throw new HttpError(400, 'invalid version id');
    if (request.method !== 'GET') throw new HttpError(405, 'use GET');
    await readerOf(request, linkId);
    const room = kind === 'view' ? await links.roomForViewId(linkId) : await links.roomForCommentId(linkId);
    if (!room) throw new HttpError(404, `unknown ${kind} link`);
    if (!(await history.getSettings(room)).historyVisibleToViewers) {
      throw new HttpError(403, `this document's history is not shared with ${kind} links`);
    }
    if (resource === 'authorship') return { status: 200, json: await history.authorship(room) };
    if (versionId !== undefined) return version(room, versionId);
    return list(room, url);
  }

  return function routeHistory(request: IncomingMessage, url: URL): Promise<ApiResult> | null {
    const roomMatch = ROOM_ROUTE.exec(url.pathname);
    if (roomMatch) return roomRoute(request, url, roomMatch);
    const linkMatch = LINK_ROUTE.exec(url.pathname);
    if (linkMatch) return linkRoute(request, url, linkMatch);
    return null;
  };
}

/**
 * Who asks for a named version or a restore: the token's subject in token mode, else the
 * browser's author key, with the name and colour it shows (optional: an empty name means
 * "as they were last named in this room"); anonymous without either.
 */
function requester(body: Record<string, unknown>, claims: { sub?: string; name?: string } | null): AuthorRecord {
  const name = claims?.name ?? (typeof body.authorName === 'string' ? body.authorName.trim().slice(0, 80) : '');
  const color = typeof body.authorColor === 'string' && PRESENCE_COLOR_PATTERN.test(body.authorColor) ? body.authorColor : '';
  if (claims?.sub) return { id: claims.sub, name, color };
  if (isValidAuthorKey(body.authorKey)) return { id: authorIdForKey(body.authorKey), name, color };
  return { id: ANONYMOUS_AUTHOR_ID, name: 'Anonymous', color: '#6b7280' };
}

function settingsBody(settings: RoomSettings): RoomSettingsResponse {
  return { historyVisibleToViewers: settings.historyVisibleToViewers, commentsVisibleToViewers: settings.commentsVisibleToViewers };
}

/** A stored version as the API shows it. */
export function toWire(version: VersionRecord): Version {
  return {
    id: version.id,
    kind: version.kind,
    name: version.name,
    createdAt: new Date(version.createdAt).toISOString(),
    authors: version.authors,
    inserted: version.inserted,
    deleted: version.deleted,
    ...(version.restoredFrom ? { restoredFrom: version.restoredFrom } : {}),
  };
}
