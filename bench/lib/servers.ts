/**
 * The servers under test, each started fresh as its own child process on loopback: Tandem
 * (`server/main.ts`, SQLite default, durability on), the reference y-websocket server
 * (y-websocket@2.1.0 `bin/server.cjs`, in memory) and Hocuspocus 3.4 (in memory or with its
 * SQLite extension). Also reads a server process's CPU time and memory from /proc.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT, spawnServer, tandemScript } from '../../test/support/spawn';
import type { Endpoint } from './wire-client';

/** Another Tandem checkout to measure instead of this one (e.g. a proposed server change). */
/**
 * Limits every benchmarked Tandem runs with. Floods (ingest, join storms, many rooms from one
 * address) are the point of most scenarios; the rate, byte, step-1 and per-address limits have
 * their own tests and the floods scenario, which undoes these. Scenario rooms are named, not
 * random, and traces are typed into the Y.Text `title`.
 */
export const BENCH_TANDEM_LIMITS = {
  LOG_LEVEL: 'warn',
  UPDATE_RATE_PER_SECOND: '0',
  BYTE_RATE_PER_SECOND: '0',
  SYNC_STEP1_RATE_PER_MINUTE: '0',
  MAX_CONNECTIONS_PER_ADDRESS: '0',
  MAX_ROOMS_PER_ADDRESS: '0',
  MIN_NEW_ROOM_ID_LENGTH: '1',
  MAX_TITLE_LENGTH: '0',
} as const;

const TANDEM_DIR = process.env.BENCH_TANDEM_DIR ? path.resolve(process.env.BENCH_TANDEM_DIR) : ROOT;
export const PEERS_DIR = path.join(ROOT, 'bench', 'peers');
const Y_WEBSOCKET_SERVER = path.join(PEERS_DIR, 'node_modules', 'y-websocket-2', 'bin', 'server.cjs');
const HOCUSPOCUS_SERVER = path.join(PEERS_DIR, 'hocuspocus-server.mjs');
const CLOCK_TICKS_PER_SECOND = 100;

export type ServerKind = 'tandem' | 'tandem-normal' | 'y-websocket' | 'hocuspocus' | 'hocuspocus-sqlite';

/** Table labels: what each server is and how it stores. */
export const SERVER_LABELS: Record<ServerKind, string> = {
  tandem: 'Tandem (SQLite, durable)',
  'tandem-normal': 'Tandem (SQLite, SQLITE_SYNCHRONOUS=normal)',
  'y-websocket': 'y-websocket 2.1.0 (memory)',
  hocuspocus: 'Hocuspocus 3.4 (memory)',
  'hocuspocus-sqlite': 'Hocuspocus 3.4 (SQLite ext.)',
};

export interface BenchServer {
  kind: ServerKind;
  pid: number;
  endpoint: Endpoint;
  /** Where it stores (a file reused by `restart`), or null in memory. */
  storageFile: string | null;
  /** Everything the process printed on stdout. */
  output: () => string;
  /** Everything it printed on stderr. */
  errors: () => string;
  /** Null while it runs; how it ended once it has (a flood may kill it). */
  exit: () => { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGTERM, then SIGKILL after `graceMs` (default 20 s). */
  stop(graceMs?: number): Promise<void>;
}

export interface StartBenchServerOptions {
  /** Reuse a store from an earlier process (cold load). */
  storageFile?: string;
  /** Extra arguments for node before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Environment on top of the bench defaults; `undefined` removes a default (e.g. to restore a limit). */
  env?: Record<string, string | undefined>;
  /** The process's open-file limit (soft and hard), e.g. systemd's default 1024; inherited when unset. */
  maxOpenFiles?: number;
}

/** Starts a fresh server of `kind` and resolves once it accepts TCP connections. */
export async function startBenchServer(kind: ServerKind, options: StartBenchServerOptions = {}): Promise<BenchServer> {
  const nodeArgs = options.nodeArgs ?? [];
  const env: Record<string, string | undefined> = {};
  let args: string[];
  let storageFile: string | null = null;
  let roomPath = '';
  if (kind === 'tandem' || kind === 'tandem-normal') {
    storageFile = options.storageFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-')), 'tandem.db');
    args = [...nodeArgs, ...tandemScript('main', TANDEM_DIR)];
    Object.assign(env, {
      DATABASE_URL: `sqlite:${storageFile}`,
      ...BENCH_TANDEM_LIMITS,
      SQLITE_SYNCHRONOUS: kind === 'tandem-normal' ? 'normal' : 'full',
    });
    roomPath = '/sync';
  } else if (kind === 'y-websocket') {
    args = [...nodeArgs, Y_WEBSOCKET_SERVER];
  } else {
    if (kind === 'hocuspocus-sqlite') {
      storageFile = options.storageFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hocuspocus-bench-')), 'hocuspocus.db');
      env.SQLITE_FILE = storageFile;
    }
    args = [...nodeArgs, HOCUSPOCUS_SERVER];
  }
  const port = await freePort();
  const server = await spawnServer({
    args,
    port,
    env: { ...env, ...options.env },
    cwd: kind.startsWith('tandem') ? TANDEM_DIR : PEERS_DIR,
    // Bench Tandem logs at warn and the peers do not log JSON: the open port is the one signal all share.
    readyWhen: 'port-open',
    // util-linux prlimit sets the limit for the exec'd node itself, so the pid stays the server's.
    wrapper: options.maxOpenFiles === undefined ? undefined : ['prlimit', `--nofile=${options.maxOpenFiles}:${options.maxOpenFiles}`],
  });
  return {
    kind,
    pid: server.pid,
    endpoint: { dialect: kind.startsWith('hocuspocus') ? 'hocuspocus' : 'y-websocket', origin: `ws://127.0.0.1:${port}`, roomPath },
    storageFile,
    output: () => server.printed.stdout,
    errors: () => server.printed.stderr,
    exit: server.exitStatus,
    stop: async (graceMs) => {
      await server.stop(graceMs);
    },
  };
}

export interface ProcessSample {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Resident set now, MiB. */
  rssMiB: number;
  /** Peak resident set since the process started (VmHWM), MiB. */
  peakRssMiB: number;
}

/** Reads a process's CPU time and memory from /proc. */
export function sampleProcess(pid: number): ProcessSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { cpuSeconds, rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/** Versions of everything measured, for the report. */
export function versions(): Record<string, string> {
  const read = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  const peerFile = (name: string) => path.join(PEERS_DIR, 'node_modules', name, 'package.json');
  // A run of Tandem-only scenarios (floods) does not install the peers.
  const peer = (name: string) => (fs.existsSync(peerFile(name)) ? read(peerFile(name)) : 'not installed');
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
    if (execSync('git status --porcelain -- server lib', { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' (server/ or lib/ modified)';
  } catch {
    // Not a git checkout (e.g. an unpacked tarball): the report says "unknown".
  }
  return {
    node: process.version,
    tandem: commit,
    yjs: read(path.join(ROOT, 'node_modules', 'yjs', 'package.json')),
    'y-websocket server': peer('y-websocket-2'),
    'peer yjs': peer('yjs'),
    '@hocuspocus/server': peer('@hocuspocus/server'),
    '@hocuspocus/extension-sqlite': peer('@hocuspocus/extension-sqlite'),
    sqlite3: peer('sqlite3'),
    ws: read(path.join(ROOT, 'node_modules', 'ws', 'package.json')),
  };
}
