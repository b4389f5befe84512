/**
 * A room as the admin commands read it: checked to be one (a valid id, something stored, not
 * deleted), its document and its comment threads rebuilt from what storage holds, the way a
 * server loads them, without one running.
 */
import * as Y from 'yjs';
import { THREADS_MAP } from '../../lib/protocol/comments';
import { isValidRoomId } from '../../lib/protocol/room-id';
import { commentLogName, type DocumentStorage } from '../storage';
import { AdminError } from './args';

/** Throws an AdminError unless `room` names a stored room that was not deleted. */
export async function requireRoom(storage: DocumentStorage, room: string): Promise<void> {
  if (!isValidRoomId(room)) throw new AdminError(`"${room}" is not a room id (1–128 characters of A-Z a-z 0-9 _ -)`);
  const deletedAt = (await storage.tombstoned('room', [room])).get(room);
  if (deletedAt !== undefined) throw new AdminError(`room ${room} was deleted on ${new Date(deletedAt).toISOString()}`);
  if (!(await storage.holdsRoom(room))) throw new AdminError(`unknown room ${room}: nothing is stored under that id (see: npm run admin -- rooms)`);
}

/** The Yjs document stored under `name` (a room, or its comment log), applied in order. */
export async function loadStoredDoc(storage: DocumentStorage, name: string): Promise<Y.Doc> {
  const { updates } = await storage.load(name);
  const doc = new Y.Doc();
  Y.transact(doc, () => {
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  return doc;
}

/** How many comment threads the room holds (resolved ones included). */
export async function threadCount(storage: DocumentStorage, room: string): Promise<number> {
  const doc = await loadStoredDoc(storage, commentLogName(room));
  try {
    return doc.getMap(THREADS_MAP).size;
  } finally {
    doc.destroy();
  }
}
