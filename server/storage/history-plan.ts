/**
 * What one compaction may add to a room's history, shared by every backend: the check that a
 * plan accounts for exactly the log entries the compaction deletes (so no row leaves the log
 * without its bytes in a segment), and the plan used when the caller passes none. That default
 * is the one place storage touches Yjs: it merges the folded entries (Y.mergeUpdates, lossless)
 * into one segment.
 */
import * as Y from 'yjs';
import { isValidVersionId, MAX_VERSION_NAME_LENGTH } from '../../lib/protocol/history-api';
import type { AttributionOverride, AuthorRecord, FoldUpdates, HistoryPlan, HistoryTail, LogEntry, OpenStretch, PlanHistory, RoomSettings, VersionKind, VersionRecord } from './types';

/** Name of the version that every room stored before history existed starts its history with. */
export const BASELINE_VERSION_NAME = 'Before history was kept';

/** Every version kind, as the databases' CHECK constraints spell them (a Record, so none is missed). */
const VERSION_KINDS: Record<VersionKind, true> = { auto: true, named: true, 'pre-restore': true, restore: true };

/** A plan or version that storage refuses to write (nothing was changed). */
export class InvalidHistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHistoryError';
  }
}

/**
 * Runs a compaction's fold (of `stored`: snapshot, then the entries) and its history plan side
 * by side (either may be asynchronous, on a worker thread), and checks the plan. Rejects, a
 * synchronous throw of either included, once both have settled or one has failed.
 */
export async function foldAndPlan(
  fold: FoldUpdates,
  stored: Uint8Array[],
  planHistory: PlanHistory,
  entries: LogEntry[],
  tail: HistoryTail,
): Promise<{ data: Uint8Array; plan: HistoryPlan }> {
  const [data, plan] = await Promise.all([settle(() => fold(stored)), settle(() => planHistory(entries, tail))]);
  checkHistoryPlan(plan, entries, tail);
  return { data, plan };
}

/** Asks `planHistory` about a compaction with nothing to fold (versions only), and checks its plan. */
export async function planWithoutEntries(planHistory: PlanHistory, tail: HistoryTail): Promise<HistoryPlan> {
  const plan = await settle(() => planHistory([], tail));
  checkHistoryPlan(plan, [], tail);
  return plan;
}

/** `make()` as a promise, so that a synchronous throw rejects it rather than escaping. */
const settle = <T>(make: () => T | Promise<T>): Promise<T> => new Promise<T>((resolve) => resolve(make()));

/**
 * The plan of a compaction without a planner: its entries merged into one segment, with no
 * version and no checkpoint. Attribution is opaque to storage, so it is not merged here: the
 * room's compaction passes the history planner, which merges it.
 */
export function planOneSegment(entries: LogEntry[]): HistoryPlan {
  const first = entries[0];
  const last = entries[entries.length - 1];
  return {
    segments: [
      {
        firstId: first.id,
        lastId: last.id,
        startedAt: first.at,
        endedAt: last.at,
        data: entries.length === 1 ? first.data : Y.mergeUpdates(entries.map((entry) => entry.data)),
        attribution: null,
        authors: newestAuthors(entries.map((entry) => entry.authors)),
        inserted: 0,
        deleted: 0,
      },
    ],
    versions: [],
    checkpoint: false,
  };
}

/** The union of author lists by id; a later list's name and colour win. */
export function newestAuthors(lists: AuthorRecord[][]): AuthorRecord[] {
  const byId = new Map<string, AuthorRecord>();
  for (const list of lists) for (const author of list) byId.set(author.id, author);
  return [...byId.values()];
}

/**
 * Throws InvalidHistoryError unless `plan` covers `entries` (in log order) exactly: each
 * segment holds a run of consecutive entries, named by its first and last id, the segments
 * together hold all of them, and each version ends at a planned or an existing segment.
 */
export function checkHistoryPlan(plan: HistoryPlan, entries: LogEntry[], tail: HistoryTail): void {
  if (!plan || !Array.isArray(plan.segments) || !Array.isArray(plan.versions) || typeof plan.checkpoint !== 'boolean') {
    throw new InvalidHistoryError('a history plan needs segments, versions and checkpoint');
  }
  let next = 0;
  plan.segments.forEach((segment, index) => {
    const where = `planned segment ${index + 1} of ${plan.segments.length}`;
    if (!(segment.data instanceof Uint8Array) || segment.data.byteLength === 0) throw new InvalidHistoryError(`${where} holds no data`);
    if (segment.attribution !== null && !(segment.attribution instanceof Uint8Array)) {
      throw new InvalidHistoryError(`${where}: attribution must be bytes or null`);
    }
    checkCounts(where, segment);
    if (!Number.isFinite(segment.startedAt) || !Number.isFinite(segment.endedAt)) throw new InvalidHistoryError(`${where}: times must be numbers`);
    if (!Array.isArray(segment.authors)) throw new InvalidHistoryError(`${where}: authors must be a list`);
    if (next >= entries.length || segment.firstId !== entries[next].id) {
      throw new InvalidHistoryError(`${where} starts at entry ${segment.firstId}, expected ${entries[next]?.id ?? 'none (all entries are covered)'}`);
    }
    while (next < entries.length && entries[next].id <= segment.lastId) next++;
    if (segment.lastId !== entries[next - 1].id) {
      throw new InvalidHistoryError(`${where} ends at entry ${segment.lastId}, which is not an entry of this compaction`);
    }
  });
  if (next !== entries.length) {
    throw new InvalidHistoryError(`the plan leaves entries ${entries[next].id}…${entries[entries.length - 1].id} out of every segment`);
  }
  // The checkpoint is the compaction's new snapshot: the state at its last planned segment.
  if (plan.checkpoint && plan.segments.length === 0) throw new InvalidHistoryError('a checkpoint needs a planned segment to end at');
  const lastSeq = tail.lastSeq + plan.segments.length;
  const ids = new Set<string>();
  for (const version of plan.versions) {
    checkVersion(version, lastSeq);
    if (ids.has(version.id)) throw new InvalidHistoryError(`the plan adds version ${version.id} twice`);
    ids.add(version.id);
  }
}

/** Throws InvalidHistoryError unless `version` is well formed and ends at a segment ≤ `lastSeq`. */
export function checkVersion(version: VersionRecord, lastSeq: number): void {
  if (!isValidVersionId(version.id)) throw new InvalidHistoryError(`version id ${JSON.stringify(version.id)} is not 16 characters of [a-z0-9]`);
  const where = `version ${version.id}`;
  if (!Object.hasOwn(VERSION_KINDS, version.kind)) throw new InvalidHistoryError(`${where}: unknown kind ${JSON.stringify(version.kind)}`);
  if (!Number.isSafeInteger(version.seq) || version.seq < 1 || version.seq > lastSeq) {
    throw new InvalidHistoryError(`${where} ends at segment ${version.seq}, but the room's segments are 1…${lastSeq}`);
  }
  if (version.name !== null) checkVersionName(version.name);
  if (version.restoredFrom !== null && typeof version.restoredFrom !== 'string') {
    throw new InvalidHistoryError(`${where}: restoredFrom must be a version id or null`);
  }
  if (!Number.isFinite(version.createdAt)) throw new InvalidHistoryError(`${where}: createdAt must be a number`);
  if (!Array.isArray(version.authors)) throw new InvalidHistoryError(`${where}: authors must be a list`);
  checkCounts(where, version);
}

/** A version's place and time, what a purge's cut is chosen by. */
export interface VersionTime { id: string; seq: number; createdAt: number }

/** Which versions a purge removes, and the segment the remaining history starts at. */
export interface PurgeCut {
  seq: number;
  createdAt: number;
  removed: string[];
}

/**
 * The cut of a purge: the newest version made before `before` (every version, and the newest
 * segment, when null); null when there is nothing to purge. Shared by every backend.
 */
export function purgeCut(versions: readonly VersionTime[], lastSegment: { seq: number; endedAt: number } | null, before: number | null): PurgeCut | null {
  if (!lastSegment) return null;
  if (before === null) return { seq: lastSegment.seq, createdAt: lastSegment.endedAt, removed: versions.map((version) => version.id) };
  const older = versions.filter((version) => version.createdAt < before);
  if (older.length === 0) return null;
  const seq = Math.max(...older.map((version) => version.seq));
  const createdAt = Math.max(...older.filter((version) => version.seq === seq).map((version) => version.createdAt));
  // A version at an earlier segment goes too, whatever its time: its segments are removed.
  return { seq, createdAt, removed: versions.filter((version) => version.createdAt < before || version.seq < seq).map((version) => version.id) };
}

/** The baseline version a purge adds, checked: a valid version ending at the cut's segment. */
export function checkBaseline(baseline: VersionRecord, seq: number): VersionRecord {
  checkVersion(baseline, seq);
  if (baseline.seq !== seq) throw new InvalidHistoryError(`the baseline version must end at segment ${seq}, not ${baseline.seq}`);
  return baseline;
}

/** Throws InvalidHistoryError unless `seq` can name a segment (0: before the first). */
export function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new InvalidHistoryError(`a segment seq is a whole number ≥ 0, not ${seq}`);
}

/** Throws InvalidHistoryError unless `name` can name a version. */
export function checkVersionName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_VERSION_NAME_LENGTH) {
    throw new InvalidHistoryError(`a version name has 1–${MAX_VERSION_NAME_LENGTH} characters`);
  }
}

/** Yjs client ids are unsigned 32-bit integers. */
const MAX_CLIENT_ID = 0xffff_ffff;

/** Throws InvalidHistoryError unless every override names a client id, a clock range and an author. */
export function checkAttributionOverrides(overrides: readonly AttributionOverride[]): void {
  if (!Array.isArray(overrides)) throw new InvalidHistoryError('attribution overrides must be a list');
  for (const [index, override] of overrides.entries()) {
    const where = `attribution override ${index}`;
    const { clientId, clock, length, authorId } = override ?? ({} as AttributionOverride);
    if (!Number.isSafeInteger(clientId) || clientId < 0 || clientId > MAX_CLIENT_ID) throw new InvalidHistoryError(`${where}: client id ${clientId} is not a Yjs client id`);
    if (!Number.isSafeInteger(clock) || clock < 0) throw new InvalidHistoryError(`${where}: clock must be a whole number ≥ 0, not ${clock}`);
    if (!Number.isSafeInteger(length) || length < 1) throw new InvalidHistoryError(`${where}: length must be a whole number ≥ 1, not ${length}`);
    if (typeof authorId !== 'string' || authorId === '') throw new InvalidHistoryError(`${where} names no author`);
  }
}

/**
 * The segments after the newest version, summed (HistoryTail.openSince), from the open
 * segments in order; null when there are none.
 */
export function openStretch(segments: { startedAt: number; inserted: number; deleted: number; authors: AuthorRecord[] }[]): OpenStretch | null {
  if (segments.length === 0) return null;
  return {
    startedAt: segments[0].startedAt,
    inserted: segments.reduce((sum, segment) => sum + segment.inserted, 0),
    deleted: segments.reduce((sum, segment) => sum + segment.deleted, 0),
    authors: newestAuthors(segments.map((segment) => segment.authors)),
  };
}

function checkCounts(where: string, counts: { inserted: number; deleted: number }): void {
  for (const key of ['inserted', 'deleted'] as const) {
    if (!Number.isSafeInteger(counts[key]) || counts[key] < 0) throw new InvalidHistoryError(`${where}: ${key} must be a count`);
  }
}

/** Throws InvalidHistoryError unless both room settings are booleans. */
export function checkSettings(settings: RoomSettings): void {
  for (const name of ['historyVisibleToViewers', 'commentsVisibleToViewers'] as const) {
    if (typeof settings?.[name] !== 'boolean') throw new InvalidHistoryError(`${name} must be true or false`);
  }
}
