/**
 * A live room, as the rest of the server sees it: the Room facade (room.ts). The write path,
 * broadcast, compaction, admission and presence behind it are the room's own modules.
 */
export { READ_ONLY, Room, type RoomOptions, type StoredListener } from './room';
