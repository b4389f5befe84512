/**
 * What every admin command works with: the settings, the terminal (output, and whether a person
 * is there to answer a question), the clock, and storage, opened on first use from the same
 * DATABASE_URL the server uses. Storage is opened as it is, never created: a mistyped SQLite
 * path is an error, not a new empty database.
 */
import fs from 'node:fs';
import type { AdminConfig } from '../config';
import { openStorage, sqliteFileOf, type DocumentStorage } from '../storage';
import { AdminError } from './args';

/** The streams a command reads and writes (process.stdin/stdout/stderr, or a test's). */
export interface AdminIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface AdminContext {
  config: AdminConfig;
  io: AdminIo;
  /** ms since the epoch. */
  now(): number;
  /** The server's storage (opened once). */
  storage(): Promise<DocumentStorage>;
  /** Writes one line to stdout. */
  print(line: string): void;
}

/** A context over `config` and `io`; close() releases storage if a command opened it. */
export function createAdminContext(config: AdminConfig, io: AdminIo): AdminContext & { close(): Promise<void> } {
  let opened: Promise<DocumentStorage> | null = null;
  return {
    config,
    io,
    now: Date.now,
    storage() {
      opened ??= openAdminStorage(config);
      return opened;
    },
    print(line) {
      io.stdout.write(`${line}\n`);
    },
    async close() {
      if (opened) await (await opened.catch(() => null))?.close();
    },
  };
}

async function openAdminStorage(config: AdminConfig): Promise<DocumentStorage> {
  const url = config.databaseUrl;
  if (url === null) {
    throw new AdminError('DATABASE_URL is not set: set it to the database the server uses, e.g. DATABASE_URL=sqlite:./data/tandem.db npm run admin -- rooms');
  }
  if (url === 'memory:') throw new AdminError('DATABASE_URL=memory: is held inside a server process; there is nothing here to administer');
  const file = sqliteFileOf(url);
  if (file !== null && !fs.existsSync(file)) throw new AdminError(`no SQLite database at ${file} (DATABASE_URL=${url})`);
  try {
    return await openStorage(url, { timeoutMs: config.storageTimeoutMs });
  } catch (error) {
    throw new AdminError(`cannot open the database: ${(error as Error).message}`);
  }
}
