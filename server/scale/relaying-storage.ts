/**
 * Room storage for scale-out: every append that resolves (the update is durably stored) is
 * handed to `onStored`, which publishes it to the other instances. Publishing after the
 * append keeps append-before-forward for clients of every instance: nobody anywhere sees an
 * update that is not stored. Only a room's own clients' changes are ever appended.
 */
import type { DocumentStorage } from '../storage';

/** Wraps `storage`; everything but `append` passes straight through. */
export function relayingStorage(storage: DocumentStorage, onStored: (room: string, update: Uint8Array) => void): DocumentStorage {
  return {
    kind: storage.kind,
    load: (room) => storage.load(room),
    async append(room, update) {
      const head = await storage.append(room, update);
      onStored(room, update);
      return head;
    },
    compact: (room, fold) => storage.compact(room, fold),
    ensureViewId: (room, candidate) => storage.ensureViewId(room, candidate),
    replaceViewId: (room, next) => storage.replaceViewId(room, next),
    roomForViewId: (viewId) => storage.roomForViewId(viewId),
    holdsRoom: (room) => storage.holdsRoom(room),
    ping: () => storage.ping(),
    probeWrite: () => storage.probeWrite(),
    usedBytes: () => storage.usedBytes(),
    freeDiskBytes: () => storage.freeDiskBytes(),
    close: () => storage.close(),
  };
}
