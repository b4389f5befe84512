/** Picks the storage backend named by DATABASE_URL. */
import { createMemoryStorage } from './memory';
import { openSqliteStorage, type SqliteOptions } from './sqlite';
import type { DocumentStorage } from './types';

export type { DocumentStorage, StoredDocument } from './types';

/**
 * Opens storage for a URL: `sqlite:<path>` (relative to the working directory) or `memory:`.
 * Throws a clear error for anything else, at startup rather than on the first write.
 */
export function openStorage(databaseUrl: string, options: SqliteOptions = {}): DocumentStorage {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new Error(`DATABASE_URL "${databaseUrl}" names no SQLite file`);
    return openSqliteStorage(file, options);
  }
  if (databaseUrl === 'memory:') return createMemoryStorage();
  throw new Error(`DATABASE_URL "${databaseUrl}" is not supported: use sqlite:<path> or memory:`);
}
