/**
 * The one way test/, e2e/ and bench/ run a server as a child process: `node [args] <script>`
 * on 127.0.0.1:`port`, with what it prints captured (stdout's JSON lines parsed as log
 * entries), resolved once it is ready, and stopped with SIGTERM and then, guaranteed, SIGKILL.
 * It runs Tandem's own entry points (`tandemScript`) and the bench's peer servers alike.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LogMessage } from '../../server/log-messages';
import { sleep } from './wait';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** How long a server may take to become ready. */
const START_TIMEOUT_MS = 30_000;
/** How long `stop()` waits after SIGTERM before SIGKILL, by default. */
const STOP_GRACE_MS = 20_000;
const PORT_POLL_MS = 50;

/** Node arguments that run a Tandem entry point (`server/main.ts` or `server/app.ts`) of `checkout`. */
export function tandemScript(entry: 'main' | 'app', checkout = ROOT, preloads: string[] = []): string[] {
  return ['--import', 'tsx', ...preloads.flatMap((file) => ['--import', pathToFileURL(file).href]), path.join(checkout, 'server', `${entry}.ts`)];
}

export interface SpawnOptions {
  /** Node arguments including the script, e.g. `tandemScript('main')`. */
  args: string[];
  /** Set as PORT (with HOST=127.0.0.1) and waited on. */
  port: number;
  /** On top of this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /**
   * `listening-logged`: Tandem's "listening" log line (needs LOG_LEVEL info or lower);
   * `port-open`: the port accepts TCP (any server, any log level).
   */
  readyWhen: 'listening-logged' | 'port-open';
  /** A command that execs node, e.g. `['prlimit', '--nofile=1024:1024']`. */
  wrapper?: string[];
  /** Also copy its stderr to this process's stderr as it arrives. */
  echoStderr?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedServer {
  pid: number;
  port: number;
  /** Every JSON line it printed on stdout so far. */
  logs: Record<string, unknown>[];
  /** Everything it printed so far, raw. */
  printed: { stdout: string; stderr: string };
  /** Null while it runs; how it ended once it has. */
  exitStatus(): ExitStatus | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL and wait: no chance to flush anything. Idempotent. */
  kill(): Promise<void>;
}

/** Starts the server and resolves once it is ready; if it exits or times out first, it is killed and this rejects. */
export async function spawnServer(options: SpawnOptions): Promise<SpawnedServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(options.port) };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const [command, ...wrapperArgs] = options.wrapper ? [...options.wrapper, process.execPath] : [process.execPath];
  const child = spawn(command, [...wrapperArgs, ...options.args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const printed = { stdout: '', stderr: '' };
  // A holder, not a `let`: the exit handler sets it, and the checks below must not see it narrowed.
  const state: { exit: ExitStatus | null } = { exit: null };
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      state.exit = { code, signal };
      resolve(code);
    }),
  );
  let markListening = () => {};
  const listeningLogged = new Promise<void>((resolve) => (markListening = resolve));
  let partialLine = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    printed.stdout += text;
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) {
      const entry = parseLogLine(line);
      if (!entry) continue;
      logs.push(entry);
      if (entry.msg === LogMessage.listening) markListening();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    printed.stderr += chunk.toString();
    if (options.echoStderr) process.stderr.write(chunk);
  });

  const kill = async () => {
    if (state.exit === null) child.kill('SIGKILL');
    await exited;
  };
  // One SIGTERM per process: Tandem handles the first, and a second would end it ungracefully.
  let stopping: Promise<number | null> | null = null;
  const stop = (graceMs = STOP_GRACE_MS) => {
    stopping ??= (async () => {
      if (state.exit !== null) return state.exit.code;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const ready = options.readyWhen === 'listening-logged' ? listeningLogged : untilListening(options.port, () => state.exit !== null);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), START_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await kill();
    const how = state.exit && outcome === 'exited' ? `exited early (${describeExit(state.exit)})` : `did not get ready on ${options.port} within ${START_TIMEOUT_MS} ms`;
    throw new Error(`server ${how}: ${printed.stderr}`);
  }
  return { pid: child.pid!, port: options.port, logs, printed, exitStatus: () => state.exit, stop, kill };
}

export interface AppServerOptions {
  /** Node arguments including the script: `tandemScript('app')`, or `scripts/start.mjs` as `npm start` runs it. */
  args: string[];
  port: number;
  /** Its SQLite file, `tandem.db`, goes here. */
  dataDir: string;
  /** On top of the production defaults; `undefined` removes one. */
  env?: Record<string, string | undefined>;
}

/** The web app in production (Next.js and the sync server on one port, SQLite in `dataDir`), ready once it logged "listening". */
export function spawnAppServer({ args, port, dataDir, env = {} }: AppServerOptions): Promise<SpawnedServer> {
  return spawnServer({
    args,
    port,
    // The "listening" line is logged (at info) once Next.js is prepared and the port is bound.
    readyWhen: 'listening-logged',
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: `sqlite:${path.join(dataDir, 'tandem.db')}`,
      LOG_LEVEL: 'info',
      NEXT_TELEMETRY_DISABLED: '1',
      ...env,
    },
  });
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

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function untilListening(port: number, exited: () => boolean): Promise<void> {
  while (!exited() && !(await isListening(port))) await sleep(PORT_POLL_MS);
}

function describeExit(exit: ExitStatus): string {
  return exit.signal ?? String(exit.code);
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
