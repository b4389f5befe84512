/**
 * Version history over HTTP (server/history-api.ts serves it; the browser's history panel and
 * integrators call it). Shared so both sides spell routes and shapes the same way.
 *
 * By room id (open mode: the room id is the capability; token mode: `Authorization: Bearer
 * <edit token for the room>`):
 * - `GET  /api/rooms/<room>/versions[?before=<versionId>]` → `{ versions, nextBefore }`, newest
 *   first, at most 100 per page; `nextBefore` is the id to pass for the next page, or null.
 * - `POST /api/rooms/<room>/versions` with `{ "name": "…" }` → 201 `{ version }`: a named
 *   version of the current state (name 1–100 characters). With `{ "name": "…", "versionId":
 *   "<id>" }` → 200 `{ version }`: that existing version, now carrying the name (a past state
 *   is named where it is, without restoring it; naming a named version renames it).
 *   This and restore take optional `authorKey`, `authorName`, `authorColor` in the body (the
 *   browser's identity, lib/protocol/author-id.ts), so the change is listed under its author;
 *   in token mode the token's `sub` and `name` claims say who instead.
 * - `GET  /api/rooms/<room>/versions/<id>/state` → the document at that version as one Yjs
 *   update (`application/octet-stream`, v1 encoding, what `Y.applyUpdate` reads).
 * - `POST /api/rooms/<room>/versions/<id>/restore` → 200 `{ version }`: the new `restore`
 *   version (a `pre-restore` version of the state before it is written first). 409 while
 *   another restore of the room runs.
 * - `GET  /api/rooms/<room>/authorship` → `AuthorshipResponse`: who wrote (client id → author,
 *   and the clock ranges a restore re-created as someone else's text) and who deleted what, for
 *   colouring history diffs and the live "show authors" view.
 * - `GET`/`POST /api/rooms/<room>/settings` → `{ historyVisibleToViewers, commentsVisibleToViewers }`
 *   (POST takes either or both; one left out keeps its value).
 *
 * By view id, only when the room allows it (`historyVisibleToViewers`), read-only:
 * `GET /api/views/<viewId>/versions`, `…/versions/<id>/state`, `…/authorship`. Otherwise 403.
 * By comment id the same, under the same setting (a commenter reads history as a viewer does):
 * `GET /api/comments/<commentId>/versions`, ….
 *
 *
 * Refusals: a malformed room, view or version id → 400; an unknown version → 404; a name
 * that is empty or over 100 characters → 400; a missing or other room's token → 401/403.
 * Every refusal is `{ "error": "<clear message>" }`.
 */
import { API_PREFIX } from './api-routes';

export type VersionKind = 'auto' | 'named' | 'pre-restore' | 'restore';

export interface VersionAuthor {
  id: string;
  name: string;
  color: string;
}

export interface Version {
  id: string;
  kind: VersionKind;
  name: string | null;
  /** ISO 8601 time. */
  createdAt: string;
  /** Authors who changed something since the previous version, as they were named then. */
  authors: VersionAuthor[];
  inserted: number;
  deleted: number;
  /** For a `restore` version: the id of the version restored. */
  restoredFrom?: string;
}

export interface VersionListResponse {
  versions: Version[];
  nextBefore: string | null;
}

/** Who asks for a named version or a restore (bodies of those POSTs; token mode: the token says). */
export interface VersionRequester {
  authorKey?: string;
  authorName?: string;
  authorColor?: string;
}

/** Body of `POST …/versions`: names the current state, or the version `versionId` when given. */
export interface NameVersionRequest extends VersionRequester {
  name: string;
  versionId?: string;
}

export interface VersionResponse {
  version: Version;
}

/**
 * Who wrote what. `clients` maps each Yjs client id (as a decimal string) to an author id;
 * `deletions` holds, per author, everything that author deleted, as a base64 Yjs snapshot
 * (`Y.encodeSnapshot(Y.createSnapshot(deleteSet, new Map()))`), so `Y.decodeSnapshot(…).ds`
 * gives the delete set. `overrides` win over `clients` for the clocks they cover: a restore
 * re-creates earlier text under its own client id (bound to whoever restored), and each
 * override says that client `client`'s clocks [clock, clock + length) are `author`'s text
 * (ordered by client id, then clock; absent from servers before restored text kept its authors).
 */
export interface AuthorshipResponse {
  clients: Record<string, string>;
  authors: VersionAuthor[];
  deletions: { author: string; snapshot: string }[];
  overrides: AuthorshipOverride[];
}

/** Clocks [clock, clock + length) of Yjs client `client` (a decimal string) are `author`'s text. */
export interface AuthorshipOverride {
  client: string;
  clock: number;
  length: number;
  author: string;
}

export interface RoomSettingsResponse {
  historyVisibleToViewers: boolean;
  /** Whether view links receive the comment threads (lib/protocol/comments.ts). */
  commentsVisibleToViewers: boolean;
}

/** Longest version name. */
export const MAX_VERSION_NAME_LENGTH = 100;
/** Versions per page of the list. */
export const VERSIONS_PAGE_SIZE = 100;
/** Version ids: 16 characters of [a-z0-9]. */
export const VERSION_ID_PATTERN = /^[a-z0-9]{16}$/;

export function isValidVersionId(value: unknown): value is string {
  return typeof value === 'string' && VERSION_ID_PATTERN.test(value);
}

/** Whose history: a room's (edit capability), or a view or comment link's (read-only). */
export type HistoryTarget = { room: string } | { viewId: string } | { commentId: string };

/** Base of the history routes for a room or a link. */
export function historyBase(target: HistoryTarget): string {
  if ('room' in target) return `${API_PREFIX}/rooms/${target.room}`;
  return 'viewId' in target ? `${API_PREFIX}/views/${target.viewId}` : `${API_PREFIX}/comments/${target.commentId}`;
}

export function versionsPath(target: HistoryTarget): string {
  return `${historyBase(target)}/versions`;
}

export function versionStatePath(target: HistoryTarget, versionId: string): string {
  return `${historyBase(target)}/versions/${versionId}/state`;
}

export function versionRestorePath(room: string, versionId: string): string {
  return `${API_PREFIX}/rooms/${room}/versions/${versionId}/restore`;
}

export function authorshipPath(target: HistoryTarget): string {
  return `${historyBase(target)}/authorship`;
}

export function roomSettingsPath(room: string): string {
  return `${API_PREFIX}/rooms/${room}/settings`;
}
