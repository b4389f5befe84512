/**
 * Drives a typing scenario against one running server from forked load-generator processes
 * (bench/lib/typing-worker.ts), so the clients never share a process with the server or with
 * the benchmark's own bookkeeping. Joins every send with every receipt into delivery latencies
 * and samples the server's CPU time and memory around the typing window.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sampleProcess, type BenchServer, type ProcessSample } from './servers';
import { percentile, round } from './stats';
import type { TypingWorkerReport } from './typing-worker';
import { monotonicMs } from './wire-client';

const WORKER = path.join(import.meta.dirname, 'typing-worker.ts');
/** Yjs client ids of load-generator clients start here (any fixed range works). */
const FIRST_CLIENT_ID = 100_000;

export interface TypingLoadOptions {
  rooms: number;
  clientsPerRoom: number;
  /** Keystrokes per second per client. */
  editsPerSecond: number;
  seconds: number;
  workers: number;
  /** Room name prefix, unique per run. */
  roomPrefix: string;
  /** Runs once every client is connected, just before typing starts (e.g. starts a flood). */
  beforeTyping?: () => Promise<void>;
  /** How long to wait after the last keystroke for deliveries still on their way; default 1 s. */
  drainMs?: number;
}

export interface TypingLoadResult {
  sends: number;
  deliveries: number;
  expectedDeliveries: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU seconds during typing (and the drain after it). */
  cpuSeconds: number;
  /** Server process before clients connected, once all were synced, after typing. */
  idle: ProcessSample;
  connected: ProcessSample;
  after: ProcessSample;
  connectSeconds: number;
  /** Sends the load generator made more than 5 ms late (it was overloaded). */
  lateSends: number;
  /** Every delivery's latency, ms. */
  latencies: number[];
}

export interface LoadWorker {
  child: ChildProcess;
  next<T>(type: string): Promise<T>;
}

/** A load-generator process (by default a typing worker) and a way to await its next message of a given type. */
export function forkWorker(script = WORKER): LoadWorker {
  const child = fork(script, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
  const inbox: { type: string; message?: string }[] = [];
  const waiting: { type: string; resolve: (message: never) => void; reject: (error: Error) => void }[] = [];
  const deliver = () => {
    for (let i = 0; i < waiting.length; i++) {
      const found = inbox.findIndex((message) => message.type === waiting[i].type || message.type === 'error');
      if (found < 0) continue;
      const [message] = inbox.splice(found, 1);
      const [waiter] = waiting.splice(i--, 1);
      if (message.type === 'error') waiter.reject(new Error(`load worker: ${message.message}`));
      else waiter.resolve(message as never);
    }
  };
  child.on('message', (message: { type: string }) => {
    inbox.push(message);
    deliver();
  });
  child.on('exit', (code) => {
    inbox.push({ type: 'error', message: `exited with ${code}` });
    deliver();
  });
  return {
    child,
    next: <T>(type: string) =>
      new Promise<T>((resolve, reject) => {
        waiting.push({ type, resolve: resolve as (message: never) => void, reject });
        deliver();
      }),
  };
}

/** Connects every client, lets them all type for `seconds`, and measures delivery. */
export async function runTypingLoad(server: BenchServer, options: TypingLoadOptions): Promise<TypingLoadResult> {
  const editsPerClient = Math.max(1, Math.round(options.editsPerSecond * options.seconds));
  const workerCount = Math.min(options.workers, options.rooms * options.clientsPerRoom);
  const workers = Array.from({ length: workerCount }, () => forkWorker());
  try {
    // Whole rooms per worker when there are several rooms; otherwise split one room's clients.
    const assignments = workers.map(() => [] as { room: string; clientIds: number[] }[]);
    let clientId = FIRST_CLIENT_ID;
    for (let r = 0; r < options.rooms; r++) {
      const room = `${options.roomPrefix}-${r}`;
      for (let c = 0; c < options.clientsPerRoom; c++) {
        const worker = options.rooms >= workerCount ? r % workerCount : c % workerCount;
        let entry = assignments[worker].find((item) => item.room === room);
        if (!entry) assignments[worker].push((entry = { room, clientIds: [] }));
        entry.clientIds.push(clientId++);
      }
    }
    const idle = sampleProcess(server.pid);
    const connectStarted = monotonicMs();
    workers.forEach((worker, i) =>
      worker.child.send({ type: 'setup', endpoint: server.endpoint, rooms: assignments[i], editsPerClient, parallel: 32 }),
    );
    await Promise.all(workers.map((worker) => worker.next('ready')));
    const connectSeconds = (monotonicMs() - connectStarted) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await options.beforeTyping?.();
    const connected = sampleProcess(server.pid);

    const startAtMs = monotonicMs() + 300;
    const intervalMs = 1000 / options.editsPerSecond;
    workers.forEach((worker) => worker.child.send({ type: 'start', startAtMs, intervalMs, editsPerClient }));
    const typed = await Promise.all(workers.map((worker) => worker.next<{ lateSends: number }>('typed')));
    // Let the last keystrokes arrive everywhere (bounded).
    await new Promise((resolve) => setTimeout(resolve, options.drainMs ?? 1_000));
    const after = sampleProcess(server.pid);

    workers.forEach((worker) => worker.child.send({ type: 'report' }));
    const reports = await Promise.all(workers.map((worker) => worker.next<TypingWorkerReport>('report')));
    const { sends, latencies } = deliveryLatencies(reports);
    return {
      sends,
      deliveries: latencies.length,
      expectedDeliveries: sends * (options.clientsPerRoom - 1),
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies.reduce((max, value) => Math.max(max, value), 0)),
      cpuSeconds: round(after.cpuSeconds - connected.cpuSeconds),
      idle,
      connected,
      after,
      connectSeconds: round(connectSeconds),
      lateSends: typed.reduce((sum, item) => sum + item.lateSends, 0),
      latencies,
    };
  } finally {
    await stopWorkers(workers);
  }
}

/** Asks each load worker to exit and waits; one that hangs is killed after 5 s. */
export async function stopWorkers(workers: LoadWorker[]): Promise<void> {
  for (const worker of workers) if (worker.child.connected) worker.child.send({ type: 'exit' });
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.child.exitCode !== null) return resolve();
          const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5_000);
          worker.child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

/** Every delivery's latency (receipt minus send, matched by keystroke) and the keystrokes sent. */
export function deliveryLatencies(reports: TypingWorkerReport[]): { sends: number; latencies: number[] } {
  const sentAt = new Map<number, number>();
  for (const report of reports) report.sendKeys.forEach((key, i) => sentAt.set(key, report.sendTimes[i]));
  const latencies: number[] = [];
  for (const report of reports) {
    report.receiveKeys.forEach((key, i) => {
      const sent = sentAt.get(key);
      if (sent !== undefined) latencies.push(report.receiveTimes[i] - sent);
    });
  }
  return { sends: sentAt.size, latencies };
}
