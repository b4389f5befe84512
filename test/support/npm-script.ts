/**
 * Runs `npm run <script>` as an operator's process manager does: npm in a process group of its
 * own (as a terminal's foreground job, or a service's cgroup), with the tree it starts (npm → the
 * supervisor → the server) known by pid, so a test can signal npm alone or the whole group and
 * then check that every process of the tree is gone. Linux only (reads /proc).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { LogMessage } from '../../server/log-messages';
import { ROOT } from './spawn';
import { eventually } from './wait';

export interface NpmScript {
  /** npm's pid, which is also the process group's id. */
  pid: number;
  /** Every JSON log line the server printed so far. */
  logs: Record<string, unknown>[];
  printed: { stdout: string; stderr: string };
  /** npm and every process below it, as they were when the server was ready. */
  tree: number[];
  /** Sends `signal` to npm alone. */
  signalNpm(signal: NodeJS.Signals): void;
  /** Sends `signal` to every process of the group, as Ctrl-C in a terminal does. */
  signalGroup(signal: NodeJS.Signals): void;
  /** Resolves with npm's exit code (or signal) once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The tree's processes still alive (zombies count as gone: they hold nothing). */
  alive(): number[];
  /** SIGKILLs whatever of the tree is left (test cleanup). */
  killAll(): void;
}

/** How many log lines with `msg` the server printed. */
export function countLogs(script: NpmScript, msg: string): number {
  return script.logs.filter((entry) => entry.msg === msg).length;
}

/** Starts `npm run <script>` with `env` on top of this environment; resolves once the server logs "listening". */
export async function startNpmScript(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<NpmScript> {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: Record<string, unknown>[] = [];
  const printed = { stdout: '', stderr: '' };
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    printed.stdout += chunk.toString();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line (e.g. a line npm or Next.js printed).
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (printed.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid!;
  const handle: NpmScript = {
    pid,
    logs,
    printed,
    tree: [pid],
    signalNpm: (signal) => process.kill(pid, signal),
    signalGroup: (signal) => process.kill(-pid, signal),
    exited,
    alive: () => handle.tree.filter(isRunning),
    killAll: () => {
      for (const member of handle.alive()) process.kill(member, 'SIGKILL');
    },
  };
  let ended = false;
  void exited.then(() => (ended = true));
  try {
    await eventually(() => ended || logs.some((entry) => entry.msg === LogMessage.listening), `npm run ${script} to listen`, timeoutMs);
    if (ended) throw new Error(`npm run ${script} exited early: ${printed.stderr}`);
  } catch (error) {
    handle.killAll();
    throw error;
  }
  handle.tree = descendantsOf(pid);
  return handle;
}

/** `pid` and every process below it (by parent pid, from /proc). */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    parents.set(stat.ppid, [...(parents.get(stat.ppid) ?? []), Number(entry)]);
  }
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...(parents.get(found[i]) ?? []));
  return found;
}

function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
}

function readStat(pid: number): { ppid: number; state: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid …": the command may hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}
