/**
 * Faults and power cuts at the one call that makes SQLite appends survive power loss:
 * `fs.fdatasync` of the database's `-wal` file (server/storage/sqlite-wal-flush.ts). Installed
 * in-process by storage tests, or in a server process through `flush-faults-preload.ts`.
 *
 * - `control()` is asked at each flush: `hold` delays it until it says otherwise (a slow disk),
 *   `fail` fails it with EIO (a failing disk), anything else lets it through.
 * - `imagesDir` keeps a power-cut image: at each flush's call, the database and its WAL are
 *   copied as they are then (what that flush is about to make durable; the database file is
 *   only written by checkpoints, which SQLite syncs itself), and once the real fdatasync
 *   succeeded, before its caller hears of it, the copy becomes the flushed image (`flushedImage`).
 *   So the flushed image only ever holds what a completed flush made durable: what a power cut at any
 *   moment would leave at least, and less than the disk truly holds (SQLite's own fsyncs at
 *   checkpoints are not imaged).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type FlushControl = 'hold' | 'fail' | null;

export interface FlushFaults {
  control?: () => FlushControl;
  imagesDir?: string;
}

/** The file naming the newest flushed image's directory. */
const FLUSHED = 'flushed';
/** How often a held flush asks again. */
const HOLD_POLL_MS = 5;

/** Wraps `fs.fdatasync` for `-wal` files; returns the function that unwraps it. */
export function installFlushFaults({ control = () => null, imagesDir }: FlushFaults): () => void {
  const original = fs.fdatasync;
  let images = 0;
  const wrapped = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    const file = walFileOf(fd);
    if (!file) return original(fd, callback);
    const image = imagesDir ? takeImage(file, imagesDir, ++images) : null;
    const proceed = () => {
      const now = control();
      if (now === 'hold') return void setTimeout(proceed, HOLD_POLL_MS);
      if (now === 'fail') {
        if (image) fs.rmSync(image, { recursive: true, force: true });
        return callback(Object.assign(new Error('EIO: i/o error, fdatasync (injected)'), { code: 'EIO' }));
      }
      original(fd, (error) => {
        if (image) {
          if (error) fs.rmSync(image, { recursive: true, force: true });
          else promote(image, imagesDir!);
        }
        callback(error);
      });
    };
    proceed();
  };
  fs.fdatasync = wrapped as typeof fs.fdatasync;
  return () => {
    fs.fdatasync = original;
  };
}

/** The control a file gives: its trimmed text (`hold`, `fail`), or null while it is absent or empty. */
export function controlFromFile(file: string): () => FlushControl {
  return () => {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    return text === 'hold' || text === 'fail' ? text : null;
  };
}

/** The newest power-cut image's database file, or null before the first flush completed. */
export function flushedImage(imagesDir: string): string | null {
  const pointer = path.join(imagesDir, FLUSHED);
  if (!fs.existsSync(pointer)) return null;
  const dir = path.join(imagesDir, fs.readFileSync(pointer, 'utf8'));
  const db = fs.readdirSync(dir).find((name) => !name.endsWith('-wal'));
  return db ? path.join(dir, db) : null;
}

/**
 * Copies the image to `into` and opens it once, as the server would after the power came back
 * (SQLite recovers the WAL, keeping the commits it holds whole), so that read-only readers
 * such as storedDoc() can open the copy. The image itself is left as it was.
 */
export function copyOfImage(image: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  const target = path.join(into, path.basename(image));
  fs.copyFileSync(image, target);
  if (fs.existsSync(`${image}-wal`)) fs.copyFileSync(`${image}-wal`, `${target}-wal`);
  new Database(target).close();
  return target;
}

function walFileOf(fd: number): string | null {
  try {
    const file = fs.readlinkSync(`/proc/self/fd/${fd}`);
    return file.endsWith('-wal') ? file : null;
  } catch {
    return null; // not Linux, or the descriptor is gone: no image, no fault
  }
}

/** Copies the database and its WAL as they are now into `<imagesDir>/pending-<n>/`. */
function takeImage(walFile: string, imagesDir: string, n: number): string {
  const dir = path.join(imagesDir, `image-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  const database = walFile.slice(0, -'-wal'.length);
  fs.copyFileSync(database, path.join(dir, path.basename(database)));
  fs.copyFileSync(walFile, path.join(dir, path.basename(walFile)));
  return dir;
}

/**
 * Makes `image` the newest flushed one (flushes complete in order: one runs at a time). The
 * pointer is replaced atomically, so a kill -9 at any moment leaves a readable image.
 */
function promote(image: string, imagesDir: string): void {
  const pointer = path.join(imagesDir, FLUSHED);
  const previous = fs.existsSync(pointer) ? fs.readFileSync(pointer, 'utf8') : null;
  fs.writeFileSync(`${pointer}.next`, path.basename(image));
  fs.renameSync(`${pointer}.next`, pointer);
  if (previous) fs.rmSync(path.join(imagesDir, previous), { recursive: true, force: true });
}
