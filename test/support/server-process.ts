/**
 * Runs the real standalone sync server (`server/main.ts`) as a child process, the way a
 * self-hoster does, so tests can stop it, SIGKILL it and start it again on the same port; and
 * reads what it stored straight from its SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { freePort, spawnServer, tandemScript } from './spawn';

export interface ServerProcess {
  port: number;
  httpUrl: string;
  /** Base URL for WebsocketProvider (it appends `/<room>`). */
  syncUrl: string;
  /** Every JSON log line the process printed so far. */
  logs: Record<string, unknown>[];
  /** Everything the process printed so far, raw: to check what must never appear in output. */
  printed: { stdout: string; stderr: string };
  /** SIGTERM and wait (SIGKILL after `graceMs`, 20 s by default); resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL and wait: no chance to flush anything. Idempotent. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to a fresh SQLite file in a temp directory. */
  databaseUrl?: string;
  /** Reuse a port (to restart "the same" server); defaults to a free one. */
  port?: number;
  env?: Record<string, string>;
  /** Modules the server process imports first (`node --import`), e.g. flush-faults-preload.ts. */
  preloads?: string[];
}

/** A fresh temp directory and a SQLite URL inside it. */
export function tempDatabaseUrl(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
  return `sqlite:${path.join(dir, 'tandem.db')}`;
}

/** The file behind a `sqlite:<path>` URL, e.g. one from tempDatabaseUrl(). */
export function databaseFile(databaseUrl: string): string {
  if (!databaseUrl.startsWith('sqlite:')) throw new Error(`not a SQLite URL: ${databaseUrl}`);
  return databaseUrl.slice('sqlite:'.length);
}

/** How many log entries and snapshots the database holds for `room` (read-only connection). */
export function storedRows(databaseUrl: string, room: string): { log: number; snapshots: number } {
  const db = new Database(databaseFile(databaseUrl), { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get(room) as { n: number }).n;
    return {
      log: count('SELECT COUNT(*) AS n FROM room_updates WHERE room = ?'),
      snapshots: count('SELECT COUNT(*) AS n FROM room_snapshots WHERE room = ?'),
    };
  } finally {
    db.close();
  }
}

/**
 * The document the database holds for `room`: its snapshot plus every log entry, read without
 * the server's code, so a test can see what is on disk while no server runs.
 */
export function storedDoc(databaseUrl: string, room: string): Y.Doc {
  const db = new Database(databaseFile(databaseUrl), { readonly: true });
  const doc = new Y.Doc();
  try {
    const snapshot = db.prepare('SELECT data FROM room_snapshots WHERE room = ?').get(room) as
      | { data: Buffer }
      | undefined;
    const log = db.prepare('SELECT data FROM room_updates WHERE room = ? ORDER BY id').all(room) as { data: Buffer }[];
    Y.transact(doc, () => {
      if (snapshot) Y.applyUpdate(doc, snapshot.data);
      for (const row of log) Y.applyUpdate(doc, row.data);
    });
    return doc;
  } finally {
    db.close();
  }
}

/** Starts `server/main.ts` and resolves once it logs that it is listening. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const server = await spawnServer({
    args: tandemScript('main', undefined, options.preloads),
    port,
    readyWhen: 'listening-logged',
    env: {
      DATABASE_URL: options.databaseUrl ?? tempDatabaseUrl(),
      LOG_LEVEL: 'debug',
      ROOM_UNLOAD_DELAY_MS: '200',
      // Trace replays type far faster than people; the limits have their own tests.
      UPDATE_RATE_PER_SECOND: '0',
      // Tests name rooms by label (`uniqueRoom('x')`), and their clients write any amount of
      // text to the Y.Text `title`; both limits have their own tests.
      MIN_NEW_ROOM_ID_LENGTH: '1',
      MAX_TITLE_LENGTH: '0',
      ...options.env,
    },
  });
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    syncUrl: `ws://127.0.0.1:${port}/sync`,
    logs: server.logs,
    printed: server.printed,
    stop: (graceMs) => server.stop(graceMs),
    kill: () => server.kill(),
  };
}
