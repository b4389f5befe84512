/**
 * The browser's calls to the version history API (lib/protocol/history-api.ts): the version
 * list, a version's state, authorship, naming and restoring. Answers are checked for shape
 * before anyone uses them; every failure is an ApiError, as in api-client.ts.
 */
import * as Y from 'yjs';
import {
  isValidVersionId,
  versionRestorePath,
  versionsPath,
  versionStatePath,
  type AuthorshipResponse,
  type NameVersionRequest,
  type Version,
  type VersionListResponse,
  type VersionRequester,
  type VersionResponse,
} from '../protocol/history-api';
import { ApiError, callApi, describeFailure, fetchAuthorshipOf } from './api-client';

/** Where the calls go and how they are authorized (token mode: the page's edit token). */
export interface HistoryEndpoint {
  apiBase: string;
  room: string;
  /** Resolves the bearer token, or null in open mode. */
  token: () => Promise<string | null>;
}

const KINDS = new Set(['auto', 'named', 'pre-restore', 'restore']);

/** One page of versions, newest first; pass `before` (the last page's `nextBefore`) for older ones. */
export async function fetchVersions(endpoint: HistoryEndpoint, before?: string): Promise<VersionListResponse> {
  const query = before ? `?before=${encodeURIComponent(before)}` : '';
  const body = await callApi<VersionListResponse>(`${endpoint.apiBase}${versionsPath(endpoint)}${query}`, { method: 'GET' }, await endpoint.token());
  if (!body || !Array.isArray(body.versions) || !body.versions.every(isVersion) || !(body.nextBefore === null || isValidVersionId(body.nextBefore))) {
    throw unexpected('version list');
  }
  return body;
}

/** The document at a version, as a v2 update (what y-tiptap's snapshot rendering takes). */
export async function fetchVersionState(endpoint: HistoryEndpoint, versionId: string): Promise<Uint8Array> {
  const token = await endpoint.token();
  const headers = new Headers({ accept: 'application/octet-stream' });
  if (token) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    // A version never changes, so its state may be cached (the panel keeps its own cache too).
    response = await fetch(`${endpoint.apiBase}${versionStatePath(endpoint, versionId)}`, { headers });
  } catch (error) {
    throw new ApiError(0, `the server could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) throw new ApiError(response.status, await describeFailure(response));
  const v1 = new Uint8Array(await response.arrayBuffer());
  try {
    // The route sends v1 (what Y.applyUpdate reads); the renderer wants v2.
    return Y.convertUpdateFormatV1ToV2(v1);
  } catch {
    throw unexpected('version state');
  }
}

/** Who wrote and deleted what in the room (its shape is checked by lib/history/attribution.ts). */
export async function fetchAuthorship(endpoint: HistoryEndpoint): Promise<AuthorshipResponse> {
  return fetchAuthorshipOf(endpoint.apiBase, { room: endpoint.room }, await endpoint.token());
}

/** Names the current state (no `versionId`) or an existing version. */
export async function nameVersion(endpoint: HistoryEndpoint, request: NameVersionRequest): Promise<Version> {
  const body = await callApi<VersionResponse>(
    `${endpoint.apiBase}${versionsPath(endpoint)}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) },
    await endpoint.token(),
  );
  if (!isVersion(body?.version)) throw unexpected('named version');
  return body.version;
}

/** Restores a version as a forward change everyone receives; resolves with the new `restore` version. */
export async function restoreVersion(endpoint: HistoryEndpoint, versionId: string, requester: VersionRequester): Promise<Version> {
  const body = await callApi<VersionResponse>(
    `${endpoint.apiBase}${versionRestorePath(endpoint.room, versionId)}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(requester) },
    await endpoint.token(),
  );
  if (!isVersion(body?.version)) throw unexpected('restore');
  return body.version;
}

function isVersion(value: unknown): value is Version {
  const version = value as Version | null | undefined;
  return (
    !!version &&
    isValidVersionId(version.id) &&
    KINDS.has(version.kind) &&
    (version.name === null || typeof version.name === 'string') &&
    typeof version.createdAt === 'string' &&
    Array.isArray(version.authors) &&
    version.authors.every((author) => typeof author?.id === 'string' && typeof author.name === 'string' && typeof author.color === 'string') &&
    Number.isFinite(version.inserted) &&
    Number.isFinite(version.deleted)
  );
}

function unexpected(what: string): ApiError {
  return new ApiError(502, `the server sent an unexpected ${what} response`);
}
