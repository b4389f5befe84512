/**
 * The flush of SQLite's write-ahead log, off the event loop: appends commit with
 * `synchronous = NORMAL` (the commit is in the `-wal` file, which any crash of this process
 * keeps, but it may still sit in the OS page cache), and this fdatasyncs that file on libuv's
 * threadpool, so a commit written before the call survives power loss once it resolves.
 *
 * Why the `-wal` file alone is enough, and why SQLite's own housekeeping never undoes it:
 * - a commit is complete in the WAL (frames plus commit marker); the database file is only
 *   written by checkpoints, which under NORMAL sync the WAL before copying frames into the
 *   database and sync the database after;
 * - a WAL reset (writing again from the start once a checkpoint copied everything) only
 *   overwrites frames that checkpoint made durable in the database file, and SQLite syncs the
 *   new WAL header first; a checkpoint with TRUNCATE (e.g. a backup tool's) shortens the same
 *   file. Either way the file keeps its inode, so the descriptor opened here stays on it;
 * - SQLite deletes the WAL only when the last connection closes, and this process holds one
 *   until storage.close(). Should the file be replaced all the same, the flush fails rather
 *   than sync a file nobody reads (checked after each fdatasync).
 */
import fs from 'node:fs';

export interface WalFlush {
  /** fdatasyncs the WAL on the threadpool; rejects if that fails or the WAL was replaced. */
  flush(): Promise<void>;
  close(): void;
}

/** Opens a descriptor on `databaseFile`'s WAL (SQLite created it when it opened the database in WAL mode). */
export function openWalFlush(databaseFile: string): WalFlush {
  const walFile = `${databaseFile}-wal`;
  // Read-only: the flush only syncs what SQLite wrote; nothing here ever writes the file.
  const fd = fs.openSync(walFile, 'r');
  const inode = fs.fstatSync(fd).ino;
  let closed = false;
  return {
    flush() {
      return new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error('storage is closed'));
        fs.fdatasync(fd, (error) => {
          if (error) return reject(new Error(`flushing the SQLite WAL failed: ${error.message}`));
          if (fs.statSync(walFile, { throwIfNoEntry: false })?.ino !== inode) {
            return reject(new Error(`the SQLite WAL ${walFile} was removed or replaced`));
          }
          resolve();
        });
      });
    },
    close() {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
}
