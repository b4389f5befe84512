/** In-process storage for tests and throwaway servers (`DATABASE_URL=memory:`). Not durable. */
import type { DocumentStorage } from './types';

interface MemoryRoom {
  snapshot: { data: Uint8Array; throughHead: number } | null;
  log: { id: number; data: Uint8Array }[];
}

/** Creates an empty in-memory store. */
export function createMemoryStorage(): DocumentStorage {
  const rooms = new Map<string, MemoryRoom>();
  const viewIds = new Map<string, string>();
  let nextId = 1;
  const roomFor = (room: string) => {
    let entry = rooms.get(room);
    if (!entry) rooms.set(room, (entry = { snapshot: null, log: [] }));
    return entry;
  };

  return {
    kind: 'memory',
    async load(room) {
      const entry = rooms.get(room);
      if (!entry) return { updates: [], head: 0, logLength: 0 };
      const updates = entry.log.map((row) => row.data.slice());
      if (entry.snapshot) updates.unshift(entry.snapshot.data.slice());
      const head = entry.log.at(-1)?.id ?? entry.snapshot?.throughHead ?? 0;
      return { updates, head, logLength: entry.log.length };
    },
    async holdsRoom(room) {
      const entry = rooms.get(room);
      return entry !== undefined && (entry.snapshot !== null || entry.log.length > 0);
    },
    async append(room, update) {
      const id = nextId++;
      roomFor(room).log.push({ id, data: update.slice() });
      return id;
    },
    async compact(room, fold) {
      const entry = rooms.get(room);
      if (!entry || entry.log.length === 0) return null;
      const folded = entry.log.slice();
      const readSnapshot = entry.snapshot;
      const stored = folded.map((row) => row.data.slice());
      if (readSnapshot) stored.unshift(readSnapshot.data.slice());
      const data = (await fold(stored)).slice();
      // Another compaction committed while this one folded (the fold may be asynchronous).
      if (entry.snapshot !== readSnapshot) return null;
      const throughHead = folded[folded.length - 1].id;
      entry.snapshot = { data, throughHead };
      entry.log = entry.log.filter((row) => row.id > throughHead);
      return {
        folded: folded.length,
        foldedBytes: folded.reduce((sum, row) => sum + row.data.byteLength, 0),
        snapshotBytes: data.byteLength,
        waitedForLock: false,
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
    async ping() {},
    async probeWrite() {},
    async usedBytes() {
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
