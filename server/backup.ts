/**
 * A consistent copy of a SQLite database while the server keeps writing to it, with SQLite's
 * online backup API (better-sqlite3's `db.backup()`), never a file copy: a copy of the main
 * file alone misses what is still in the WAL, and one taken mid-checkpoint can be torn. The
 * whole copy is made in one backup step, inside one read transaction, so it holds exactly what
 * was committed when that step began, and every change the server acknowledged (SAVED) before
 * the backup started is in it. The server's writes carry on meanwhile (WAL readers block no
 * writer). PostgreSQL is backed up with pg_dump (see the README).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** A backup that cannot be made, with what to do about it. */
export class BackupError extends Error {}

export interface BackupResult {
  source: string;
  target: string;
  bytes: number;
}

/** The most pages one backup step may copy: all of them, so the copy is one snapshot. */
const ALL_PAGES = 0x7fffffff;

/** Copies the database `databaseUrl` names to the new file `target`. */
export async function backupDatabase(databaseUrl: string, target: string): Promise<BackupResult> {
  const source = sqliteFileOf(databaseUrl);
  const targetFile = path.resolve(target);
  checkTarget(targetFile, source);
  let db: Database.Database;
  try {
    // Read-only: a backup never changes the database, and never creates one that is missing.
    db = new Database(source, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`cannot open the database ${source}: ${(error as Error).message}`);
  }
  try {
    await db.backup(targetFile, { progress: () => ALL_PAGES });
  } catch (error) {
    fs.rmSync(targetFile, { force: true });
    throw new BackupError(`backup of ${source} to ${targetFile} failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
  return { source, target: targetFile, bytes: fs.statSync(targetFile).size };
}

/** The SQLite file of a `sqlite:<path>` URL; a clear refusal for every other storage. */
function sqliteFileOf(databaseUrl: string): string {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new BackupError('DATABASE_URL names PostgreSQL: back it up with pg_dump (README, "Backups")');
  }
  if (databaseUrl === 'memory:') throw new BackupError('DATABASE_URL is memory: nothing is stored, so there is nothing to back up');
  if (!databaseUrl.startsWith('sqlite:')) throw new BackupError(`DATABASE_URL "${databaseUrl}" is not a sqlite:<path> URL`);
  const file = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (!file || file === ':memory:') throw new BackupError(`DATABASE_URL "${databaseUrl}" names no SQLite file`);
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new BackupError(`there is no database at ${resolved} (DATABASE_URL=${databaseUrl}): is this the server's DATABASE_URL?`);
  return resolved;
}

function checkTarget(target: string, source: string): void {
  if (target === source) throw new BackupError('the backup file is the database itself: name a new file');
  if (fs.existsSync(target)) throw new BackupError(`${target} exists: a backup never overwrites a file, name a new one`);
  const directory = path.dirname(target);
  if (!fs.existsSync(directory)) throw new BackupError(`the directory ${directory} does not exist`);
  try {
    fs.accessSync(directory, fs.constants.W_OK);
  } catch {
    throw new BackupError(`the directory ${directory} is not writable`);
  }
}
