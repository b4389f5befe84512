/**
 * Runs the real standalone sync server (`server/main.ts`) as a child process, the way a
 * self-hoster does, so tests can stop it, SIGKILL it and start it again on the same port; and
 * reads what it stored straight from its SQLite file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface ServerProcess {
  port: number;
  httpUrl: string;
  /** Base URL for WebsocketProvider (it appends `/<room>`). */
  syncUrl: string;
  /** Every JSON log line the process printed so far. */
  logs: Record<string, unknown>[];
  /** Everything the process printed so far, raw: to check what must never appear in output. */
  printed: { stdout: string; stderr: string };
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: no chance to flush anything. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to a fresh SQLite file in a temp directory. */
  databaseUrl?: string;
  /** Reuse a port (to restart "the same" server); defaults to a free one. */
  port?: number;
  env?: Record<string, string>;
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

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `server/main.ts` and resolves once it logs that it is listening. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const printed = { stdout: '', stderr: '' };
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    printed.stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr.join('')}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      printed.stdout += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseLogLine(line);
        if (!entry) continue;
        logs.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code}): ${stderr.join('')}`));
    });
  });

  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    syncUrl: `ws://127.0.0.1:${port}/sync`,
    logs,
    printed,
    stop: async () => {
      signal(child, 'SIGTERM');
      return exited;
    },
    kill: async () => {
      signal(child, 'SIGKILL');
      await exited;
    },
  };
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
}

function parseLogLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    // A partial or non-JSON line (e.g. a Node warning) is not a log entry.
    return null;
  }
}
