/** Picks the storage backend named by DATABASE_URL. */
import { createMemoryStorage } from './memory';
import { openPostgresStorage, type PostgresOptions } from './postgres';
import { openSqliteStorage, type SqliteOptions } from './sqlite';
import type { DocumentStorage } from './types';

export { InvalidHistoryError } from './history-plan';
export {
  commentLogName,
  PROBE_ROOM,
  type AppendMeta,
  type AttributionOverride,
  type AuthorRecord,
  type ClientBinding,
  type CompactionResult,
  type DeletedRoom,
  type DocumentLog,
  type DocumentStorage,
  type FoldUpdates,
  type HistoryPieces,
  type HistoryPlan,
  type HistoryPurge,
  type HistorySegment,
  type HistoryStore,
  type HistoryTail,
  type ImageRecord,
  type ImageStore,
  type LinkStore,
  type LogEntry,
  type OpenStretch,
  type PlanHistory,
  type PutImageResult,
  type PurgeResult,
  type RoomAuthorshipRecords,
  type RoomCatalog,
  type RoomSettings,
  type RoomSummary,
  type StoredDocument,
  type TombstoneKind,
  type VersionKind,
  type VersionRecord,
} from './types';

export type StorageOptions = SqliteOptions & PostgresOptions;

/**
 * Opens storage for a URL: `sqlite:<path>` (relative to the working directory), `postgres://…`
 * (or `postgresql://…`; migrated at open) or `memory:`. Throws a clear error for anything
 * else, at startup rather than on the first write.
 */
export async function openStorage(databaseUrl: string, options: StorageOptions = {}): Promise<DocumentStorage> {
  const file = sqliteFileOf(databaseUrl);
  if (file !== null) {
    if (!file) throw new Error(`DATABASE_URL "${databaseUrl}" names no SQLite file`);
    return openSqliteStorage(file, options);
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStorage(databaseUrl, options);
  if (databaseUrl === 'memory:') return createMemoryStorage();
  throw new Error(`DATABASE_URL "${databaseUrl}" is not supported: use sqlite:<path>, postgres://… or memory:`);
}

/** The file a `sqlite:<path>` URL names (`sqlite:///abs` and `sqlite:/abs` alike), or null for another URL. */
export function sqliteFileOf(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  return databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
}
