/**
 * Every table of the SQL schemas (sqlite-migrations.ts, postgres-migrations.ts) that keys rows
 * by room name: deleting a room deletes from each, for the room and its comment log (which
 * lives in the first two). A migration that adds such a table adds it here.
 */
export const ROOM_TABLES = [
  'room_updates',
  'room_snapshots',
  'room_history_segments',
  'room_history_checkpoints',
  'room_versions',
  'room_clients',
  'room_authors',
  'room_attribution_overrides',
  'room_settings',
  'room_views',
  'room_comment_links',
  'room_images',
] as const;
