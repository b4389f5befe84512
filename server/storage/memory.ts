/** In-process storage for tests and throwaway servers (`DATABASE_URL=memory:`). Not durable. */
import {
  checkAttributionOverrides,
  checkBaseline,
  checkSettings,
  checkSeq,
  checkVersion,
  checkVersionName,
  foldAndPlan,
  InvalidHistoryError,
  openStretch,
  planOneSegment,
  planWithoutEntries,
  purgeCut,
} from './history-plan';
import { stagedAppend } from './flush-pipeline';
import { createLocalRestoreLocks } from './local-restore-locks';
import { commentLogName, PROBE_ROOM, type AppendMeta, type AttributionOverride, type AuthorRecord, type ClientBinding, type DocumentStorage, type HistoryPlan, type HistorySegment, type HistoryTail, type ImageRecord, type LogEntry, type RoomSettings, type TombstoneKind, type VersionRecord } from './types';

interface MemoryRoom {
  snapshot: { data: Uint8Array; throughHead: number } | null;
  log: LogEntry[];
  segments: HistorySegment[];
  checkpoints: { seq: number; data: Uint8Array }[];
  versions: VersionRecord[];
  bindings: Map<number, string>;
  authors: Map<string, AuthorRecord>;
  /** By `clientId:clock`, the primary key of the SQL backends. */
  overrides: Map<string, AttributionOverride>;
  settings: RoomSettings | null;
}

const copyEntry = (entry: LogEntry): LogEntry => ({ ...entry, data: entry.data.slice(), attribution: entry.attribution?.slice() ?? null, authors: [...entry.authors] });
const copySegment = (segment: HistorySegment): HistorySegment => ({
  ...segment,
  data: segment.data.slice(),
  attribution: segment.attribution?.slice() ?? null,
  authors: [...segment.authors],
});
const copyVersion = (version: VersionRecord): VersionRecord => ({ ...version, authors: [...version.authors] });
/** The order versions are listed in, newest first: (seq, createdAt, id) descending. */
const newerFirst = (a: VersionRecord, b: VersionRecord) => b.seq - a.seq || b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const toBindings = (bindings: Map<number, string>): ClientBinding[] =>
  [...bindings].map(([clientId, authorId]) => ({ clientId, authorId })).sort((a, b) => a.clientId - b.clientId);

/** Creates an empty in-memory store. */
export function createMemoryStorage(): DocumentStorage {
  const rooms = new Map<string, MemoryRoom>();
  const viewIds = new Map<string, string>();
  const commentIds = new Map<string, string>();
  /** By `kind:id`: when the room that id led to was deleted. */
  const tombstones = new Map<string, number>();
  /** Uploaded images by id. */
  const images = new Map<string, { image: ImageRecord; data: Uint8Array }>();
  const roomImages = (room: string) => [...images.values()].filter((stored) => stored.image.room === room);
  let nextId = 1;
  const roomFor = (room: string) => {
    let entry = rooms.get(room);
    if (!entry) {
      entry = { snapshot: null, log: [], segments: [], checkpoints: [], versions: [], bindings: new Map(), authors: new Map(), overrides: new Map(), settings: null };
      rooms.set(room, entry);
    }
    return entry;
  };
  /** Version ids are unique across rooms, as the SQL backends' primary key makes them. */
  const versionTaken = (id: string) => [...rooms.values()].some((entry) => entry.versions.some((version) => version.id === id));
  const tailOf = (entry: MemoryRoom): HistoryTail => {
    const last = entry.segments.at(-1);
    const checkpointSeq = entry.checkpoints.at(-1)?.seq ?? 0;
    const lastSegment = last ? (({ data: _data, attribution: _attribution, ...summary }) => summary)(copySegment(last)) : null;
    const lastVersion = entry.versions.slice().sort(newerFirst)[0];
    return {
      lastSeq: last?.seq ?? 0,
      lastSegment,
      lastVersion: lastVersion ? copyVersion(lastVersion) : null,
      segmentsSinceCheckpoint: entry.segments.filter((segment) => segment.seq > checkpointSeq).length,
      openSince: openStretch(entry.segments.filter((segment) => segment.seq > (lastVersion?.seq ?? 0))),
    };
  };

  const appendEntry = (room: string, update: Uint8Array, meta?: AppendMeta): number => {
    const id = nextId++;
    const entry = roomFor(room);
    entry.log.push({
      id,
      data: update.slice(),
      at: meta?.at ?? Date.now(),
      authors: meta ? [...meta.authors] : [],
      attribution: meta?.attribution?.slice() ?? null,
    });
    for (const binding of meta?.bindings ?? []) if (!entry.bindings.has(binding.clientId)) entry.bindings.set(binding.clientId, binding.authorId);
    for (const author of meta?.authors ?? []) entry.authors.set(author.id, { ...author });
    return id;
  };

  return {
    kind: 'memory',
    async load(room) {
      const entry = rooms.get(room);
      if (!entry) return { updates: [], head: 0, logLength: 0, bindings: [] };
      const updates = entry.log.map((row) => row.data.slice());
      if (entry.snapshot) updates.unshift(entry.snapshot.data.slice());
      const head = entry.log.at(-1)?.id ?? entry.snapshot?.throughHead ?? 0;
      return { updates, head, logLength: entry.log.length, bindings: toBindings(entry.bindings) };
    },
    async holdsRoom(room) {
      const entry = rooms.get(room);
      return entry !== undefined && (entry.snapshot !== null || entry.log.length > 0);
    },
    async append(room, update, meta) {
      return appendEntry(room, update, meta);
    },
    appendInStages(room, update, meta) {
      // Nothing here survives anything: written is all there is, so flushed is written.
      return stagedAppend(Promise.resolve().then(() => ({ id: appendEntry(room, update, meta), flushed: Promise.resolve() })));
    },
    async compact(room, fold, planHistory) {
      // A plan is asked even for a room with nothing to fold (it may add versions).
      const entry = planHistory ? roomFor(room) : rooms.get(room);
      if (!entry) return null;
      const folded = entry.log.map(copyEntry);
      const readSnapshot = entry.snapshot;
      const tail = tailOf(entry);
      let snapshot: Uint8Array | null = null;
      let plan: HistoryPlan;
      if (folded.length === 0) {
        if (!planHistory) return null;
        plan = await planWithoutEntries(planHistory, tail);
        if (plan.versions.length === 0) return null;
      } else {
        const stored = folded.map((row) => row.data.slice());
        if (readSnapshot) stored.unshift(readSnapshot.data.slice());
        ({ data: snapshot, plan } = await foldAndPlan(fold, stored, planHistory ?? planOneSegment, folded, tail));
      }
      // Another compaction committed while this one folded (the fold may be asynchronous).
      if (entry.snapshot !== readSnapshot || (entry.segments.at(-1)?.seq ?? 0) !== tail.lastSeq) return null;
      for (const version of plan.versions) if (versionTaken(version.id)) throw new InvalidHistoryError(`version id ${version.id} is taken`);
      plan.segments.forEach((segment, index) => entry.segments.push(copySegment({ ...segment, seq: tail.lastSeq + 1 + index })));
      entry.versions.push(...plan.versions.map(copyVersion));
      if (snapshot) {
        const throughHead = folded[folded.length - 1].id;
        entry.snapshot = { data: snapshot.slice(), throughHead };
        if (plan.checkpoint) entry.checkpoints.push({ seq: tail.lastSeq + plan.segments.length, data: snapshot.slice() });
        entry.log = entry.log.filter((row) => row.id > throughHead);
      }
      return {
        folded: folded.length,
        foldedBytes: folded.reduce((sum, row) => sum + row.data.byteLength, 0),
        snapshotBytes: entry.snapshot?.data.byteLength ?? 0,
        waitedForLock: false,
        versions: plan.versions.map(copyVersion),
      };
    },
    async ensureViewId(room, candidate) {
      if (!viewIds.has(room)) viewIds.set(room, candidate);
      return viewIds.get(room)!;
    },
    async replaceViewId(room, next) {
      viewIds.set(room, next);
    },
    async roomForViewId(viewId) {
      for (const [room, id] of viewIds) if (id === viewId) return room;
      return null;
    },
    async ensureCommentId(room, candidate) {
      if (!commentIds.has(room)) commentIds.set(room, candidate);
      return commentIds.get(room)!;
    },
    async replaceCommentId(room, next) {
      commentIds.set(room, next);
    },
    async roomForCommentId(commentId) {
      for (const [room, id] of commentIds) if (id === commentId) return room;
      return null;
    },
    async listVersions(room, { limit, before }) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidHistoryError(`a version list needs a positive limit, not ${limit}`);
      const versions = (rooms.get(room)?.versions ?? []).slice().sort(newerFirst);
      const start = before === undefined ? 0 : versions.findIndex((version) => version.id === before) + 1;
      // An unknown `before` lists nothing, as the SQL backends do.
      if (start === 0 && before !== undefined) return [];
      return versions.slice(start, start + limit).map(copyVersion);
    },
    async getVersion(room, id) {
      const version = rooms.get(room)?.versions.find((candidate) => candidate.id === id);
      return version ? copyVersion(version) : null;
    },
    async addVersion(room, version) {
      const entry = rooms.get(room);
      // Passes only where the room has the segment, so `entry` exists below.
      checkVersion(version, entry?.segments.at(-1)?.seq ?? 0);
      if (versionTaken(version.id)) throw new InvalidHistoryError(`version id ${version.id} is taken`);
      entry!.versions.push(copyVersion(version));
    },
    async renameVersion(room, id, name) {
      checkVersionName(name);
      const version = rooms.get(room)?.versions.find((candidate) => candidate.id === id);
      if (!version) return null;
      version.name = name;
      if (version.kind === 'auto') version.kind = 'named';
      return copyVersion(version);
    },
    async lastSegmentSeq(room) {
      return rooms.get(room)?.segments.at(-1)?.seq ?? 0;
    },
    async loadHistory(room, seq) {
      checkSeq(seq);
      const entry = rooms.get(room);
      const checkpoint = entry?.checkpoints.filter((candidate) => candidate.seq <= seq).at(-1) ?? null;
      const from = checkpoint?.seq ?? 0;
      return {
        checkpoint: checkpoint ? { seq: checkpoint.seq, data: checkpoint.data.slice() } : null,
        segments: (entry?.segments ?? []).filter((segment) => segment.seq > from && segment.seq <= seq).map(copySegment),
      };
    },
    async loadSegments(room) {
      return (rooms.get(room)?.segments ?? []).map(copySegment);
    },
    async loadAuthorship(room) {
      const entry = rooms.get(room);
      if (!entry) return { bindings: [], authors: [], overrides: [] };
      const authors = [...entry.authors.values()].map((author) => ({ ...author })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const overrides = [...entry.overrides.values()].map((override) => ({ ...override })).sort((a, b) => a.clientId - b.clientId || a.clock - b.clock);
      return { bindings: toBindings(entry.bindings), authors, overrides };
    },
    async addAttributionOverrides(room, overrides) {
      checkAttributionOverrides(overrides);
      if (overrides.length === 0) return;
      const stored = roomFor(room).overrides;
      for (const override of overrides) {
        const key = `${override.clientId}:${override.clock}`;
        if (!stored.has(key)) stored.set(key, { ...override });
      }
    },
    async getSettings(room) {
      return { ...(rooms.get(room)?.settings ?? { historyVisibleToViewers: false, commentsVisibleToViewers: false }) };
    },
    async updateSettings(room, settings) {
      checkSettings(settings);
      roomFor(room).settings = { historyVisibleToViewers: settings.historyVisibleToViewers, commentsVisibleToViewers: settings.commentsVisibleToViewers };
    },
    lockRestore: createLocalRestoreLocks(),
    async listRooms() {
      const held = [...rooms].filter(([room, entry]) => room !== PROBE_ROOM && !room.includes('#') && (entry.snapshot !== null || entry.log.length > 0));
      const documentBytes = (entry: MemoryRoom | undefined) =>
        (entry?.snapshot?.data.byteLength ?? 0) + (entry?.log.reduce((sum, row) => sum + row.data.byteLength, 0) ?? 0);
      return held
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([room, entry]) => {
          const historyBytes =
            entry.segments.reduce((sum, segment) => sum + segment.data.byteLength + (segment.attribution?.byteLength ?? 0), 0) +
            entry.checkpoints.reduce((sum, checkpoint) => sum + checkpoint.data.byteLength, 0);
          const lastChangeAt = Math.max(0, ...entry.log.map((row) => row.at), ...entry.segments.map((segment) => segment.endedAt));
          return {
            room,
            bytes: documentBytes(entry) + documentBytes(rooms.get(commentLogName(room))) + historyBytes,
            versions: entry.versions.length,
            lastChangeAt: lastChangeAt > 0 ? lastChangeAt : null,
          };
        });
    },
    async deleteRoom(room, at) {
      const existed = rooms.has(room) || rooms.has(commentLogName(room)) || viewIds.has(room) || commentIds.has(room) || roomImages(room).length > 0;
      const mark = (kind: TombstoneKind, id: string | undefined) => {
        if (id !== undefined && !tombstones.has(`${kind}:${id}`)) tombstones.set(`${kind}:${id}`, at);
      };
      mark('room', room);
      mark('view', viewIds.get(room));
      mark('comment', commentIds.get(room));
      const storedImages = roomImages(room);
      for (const stored of storedImages) images.delete(stored.image.id);
      rooms.delete(room);
      rooms.delete(commentLogName(room));
      viewIds.delete(room);
      commentIds.delete(room);
      return { existed, deletedAt: tombstones.get(`room:${room}`)! };
    },
    async tombstoned(kind, ids) {
      const found = new Map<string, number>();
      for (const id of ids) {
        const at = tombstones.get(`${kind}:${id}`);
        if (at !== undefined) found.set(id, at);
      }
      return found;
    },
    async purgeHistory(room, purge) {
      const entry = rooms.get(room);
      if (!entry) return null;
      const last = entry.segments.at(-1);
      const cut = purgeCut(entry.versions, last ? { seq: last.seq, endedAt: last.endedAt } : null, purge.before);
      if (!cut) return null;
      const checkpoint = entry.checkpoints.filter((candidate) => candidate.seq <= cut.seq).at(-1) ?? null;
      const pieces = {
        checkpoint: checkpoint ? { seq: checkpoint.seq, data: checkpoint.data.slice() } : null,
        segments: entry.segments.filter((segment) => segment.seq > (checkpoint?.seq ?? 0) && segment.seq <= cut.seq).map(copySegment),
      };
      const state = checkpoint?.seq === cut.seq ? null : purge.materialise(pieces);
      const baseline = checkBaseline(purge.baseline({ seq: cut.seq, createdAt: cut.createdAt }), cut.seq);
      if (versionTaken(baseline.id)) throw new InvalidHistoryError(`version id ${baseline.id} is taken`);
      const removed = new Set(cut.removed);
      const before = { segments: entry.segments.length, checkpoints: entry.checkpoints.length };
      entry.versions = entry.versions.filter((version) => !removed.has(version.id));
      entry.segments = entry.segments.filter((segment) => segment.seq >= cut.seq);
      entry.checkpoints = entry.checkpoints.filter((candidate) => candidate.seq >= cut.seq);
      const checkpointsRemoved = before.checkpoints - entry.checkpoints.length;
      if (state) entry.checkpoints.unshift({ seq: cut.seq, data: state.slice() });
      entry.versions.push(copyVersion(baseline));
      return { versionsRemoved: removed.size, segmentsRemoved: before.segments - entry.segments.length, checkpointsRemoved, baseline: copyVersion(baseline) };
    },
    async putImage(image, data, roomQuotaBytes) {
      const existing = roomImages(image.room).find((stored) => stored.image.sha256 === image.sha256);
      if (existing) return { kind: 'stored', image: { ...existing.image }, created: false };
      const used = roomImages(image.room).reduce((sum, stored) => sum + stored.image.bytes, 0);
      if (roomQuotaBytes > 0 && used + image.bytes > roomQuotaBytes) return { kind: 'over_quota', used };
      images.set(image.id, { image: { ...image }, data: data.slice() });
      return { kind: 'stored', image: { ...image }, created: true };
    },
    async getImage(id) {
      const stored = images.get(id);
      return stored ? { image: { ...stored.image }, data: stored.data.slice() } : null;
    },
    async listImages(room) {
      return roomImages(room)
        .map((stored) => ({ ...stored.image }))
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    async ping() {},
    async probeWrite() {},
    async usedBytes() {
      // Live documents only, as the SQL backends count: history is left out of the quota.
      let bytes = 0;
      for (const entry of rooms.values()) {
        bytes += entry.snapshot?.data.byteLength ?? 0;
        for (const row of entry.log) bytes += row.data.byteLength;
      }
      return bytes;
    },
    async freeDiskBytes() {
      return null;
    },
    async close() {},
  };
}
