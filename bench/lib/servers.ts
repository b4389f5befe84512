/**
 * The servers under test, each started fresh as its own child process on loopback: Tandem
 * (`server/main.ts`, SQLite default, durability on), the reference y-websocket server
 * (y-websocket@2.1.0 `bin/server.cjs`, in memory) and Hocuspocus 3.4 (in memory or with its
 * SQLite extension). Also reads a server process's CPU time and memory from /proc.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/support/server-process';
import type { Endpoint } from './wire-client';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
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
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port) };
  const nodeArgs = options.nodeArgs ?? [];
  let args: string[];
  let storageFile: string | null = null;
  let roomPath = '';
  if (kind === 'tandem' || kind === 'tandem-normal') {
    storageFile = options.storageFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-')), 'tandem.db');
    args = [...nodeArgs, '--import', 'tsx', path.join(TANDEM_DIR, 'server', 'main.ts')];
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
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  let command = process.execPath;
  if (options.maxOpenFiles !== undefined) {
    // util-linux prlimit sets the limit for the exec'd node itself, so the pid stays the server's.
    args = [`--nofile=${options.maxOpenFiles}:${options.maxOpenFiles}`, command, ...args];
    command = 'prlimit';
  }
  const child = spawn(command, args, { cwd: kind.startsWith('tandem') ? TANDEM_DIR : PEERS_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  await waitForPort(port, child, () => stderr);
  return {
    kind,
    pid: child.pid!,
    endpoint: { dialect: kind.startsWith('hocuspocus') ? 'hocuspocus' : 'y-websocket', origin: `ws://127.0.0.1:${port}`, roomPath },
    storageFile,
    output: () => stdout,
    errors: () => stderr,
    exit: () => exit,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr()}`);
    if (await isListening(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not listen on ${port} within 30 s: ${stderr()}`);
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
