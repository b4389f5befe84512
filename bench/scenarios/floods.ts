/**
 * Tandem under the floods of the security review (issue 12): honest typing latency in room A
 * while another process attacks. First a quiet baseline, then each flood on a fresh server
 * with its default limits (the bench's usual unlimited rates and per-address caps are undone), changed
 * only where the attack needs it (named in FLOODS). A few typists in room A type 5 edits/s
 * each; meanwhile /healthz is asked in a loop and a newcomer opens a fresh room once a second.
 * The attacker (bench/lib/flood-worker.ts) is its own process dialling from 127.0.0.2.
 * A keystroke that never arrives counts as infinitely late, so it shows in the percentiles.
 * The goal: room A's p95 within 2× of the quiet baseline during every flood. The quiet run is
 * repeated after the floods, and the lower of the two p95s is the baseline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { API_PREFIX } from '../../lib/protocol/api-routes';
import type { FloodOutcome, FloodSpec } from '../lib/flood-worker';
import { BENCH_TANDEM_LIMITS, sampleProcess, startBenchServer, type BenchServer, type ProcessSample, type StartBenchServerOptions } from '../lib/servers';
import { startProbes, type ProbeSummary } from '../lib/service-probes';
import { percentile, round } from '../lib/stats';
import { forkWorker, runTypingLoad, stopWorkers, type LoadWorker, type TypingLoadResult } from '../lib/typing-load';
import { monotonicMs, type Endpoint } from '../lib/wire-client';
import { seedRoom } from './join-storm';

const FLOOD_WORKER = path.join(import.meta.dirname, '..', 'lib', 'flood-worker.ts');
const EDITS_PER_SECOND = 5;
/** systemd's default soft open-file limit, under which the review locked everyone out with 1,100 stalled connections. */
const SLOWLORIS_FD_LIMIT = 1024;
/** Attack frames stay just under the default MAX_MESSAGE_BYTES (1 MiB), so they are read, not refused with 1009. */
const MESSAGE_BYTES = 1_040_000;

export type FloodName = 'quiet' | 'step1' | 'presence' | 'view-updates' | 'squat' | 'slowloris' | 'editor' | 'quiet-again';

export interface FloodPlan {
  typists: number;
  /** Typing window per flood; the flood runs from `warmupSeconds` before it until after the drain. */
  typingSeconds: number;
  warmupSeconds: number;
  /** Room-squatting sockets (MAX_LOADED_ROOMS is lowered to this for that flood). */
  squatSockets: number;
  slowlorisConnections: number;
}

interface FloodDefinition {
  /** The review's finding and what the attacker does. */
  label: string;
  /** Needs a room holding the automerge-paper document and a view link to it. */
  needsDocument?: boolean;
  server?: (plan: FloodPlan) => StartBenchServerOptions;
  spec?: (context: { plan: FloodPlan; viewPath: string; run: string }) => FloodSpec;
}

export const FLOODS: Record<FloodName, FloodDefinition> = {
  quiet: { label: 'quiet baseline (no flood)' },
  step1: {
    label: 'H6 sync step 1 amplification: 2 view sockets on the automerge-paper room, 190 step 1s/s each naming a made-up client; one reads, one never does',
    needsDocument: true,
    spec: ({ viewPath }) => ({ kind: 'step1', viewPath, framesPerSecond: 190 }),
  },
  presence: {
    label: 'H11 presence flood: 2 sockets in one room, each 20 frames/s of just under 1 MiB (MAX_MESSAGE_BYTES), all made-up presence ids',
    spec: ({ run }) => ({ kind: 'presence', room: `presence-${run}`, sockets: 2, framesPerSecond: 20, frameBytes: MESSAGE_BYTES }),
  },
  'view-updates': {
    label: 'M1 read-only updates: a view socket sending struct-dense updates of just under 1 MiB (~95,000 structs) as fast as the server reads them',
    needsDocument: true,
    spec: ({ viewPath }) => ({ kind: 'view-updates', viewPath, updateBytes: MESSAGE_BYTES }),
  },
  squat: {
    label: 'H7 room squatting: idle sockets, each to its own made-up room, until MAX_LOADED_ROOMS (lowered to the socket count) is full',
    server: (plan) => ({ env: { MAX_LOADED_ROOMS: String(plan.squatSockets) } }),
    spec: ({ plan, run }) => ({ kind: 'squat', sockets: plan.squatSockets, roomPrefix: `squat-${run}` }),
  },
  slowloris: {
    label: `H8 slowloris: connections that send half an HTTP request, then nothing (reopened when closed); server at ulimit -n ${SLOWLORIS_FD_LIMIT}`,
    server: () => ({ maxOpenFiles: SLOWLORIS_FD_LIMIT }),
    spec: ({ plan }) => ({ kind: 'slowloris', connections: plan.slowlorisConnections }),
  },
  editor: {
    label: 'H12 editor flood: one edit socket sending 256 KiB text updates at up to 190/s, a new room whenever one is full',
    spec: ({ run }) => ({ kind: 'editor', roomPrefix: `flood-${run}`, framesPerSecond: 190, updateBytes: 256 * 1024 }),
  },
  'quiet-again': { label: 'quiet again, after the floods: how far the shared machine itself drifted' },
};

export interface FloodRow {
  flood: FloodName;
  label: string;
  /** Keystrokes sent in room A, and the share of their deliveries that arrived. */
  sends: number;
  delivered: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Room A's p95 ÷ the lower of the two quiet runs' (filled in once all are known). */
  p95VsQuiet: number | null;
  healthz: string;
  healthzMaxMs: number;
  joins: string;
  cpuSeconds: number;
  windowSeconds: number;
  peakRssMiB: number;
  /** SQLite file + WAL at the end. */
  storedMiB: number;
  /** "up", or how the server process ended. */
  server: string;
  attacker: string;
  attackerNotes: string[];
  lateSends: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise`, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms))),
  ]);
}

async function viewPathOf(server: BenchServer, room: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${portOf(server.endpoint)}${API_PREFIX}/rooms/${room}/view-link`);
  if (!response.ok) throw new Error(`view link: HTTP ${response.status}`);
  const { viewId } = (await response.json()) as { viewId: string };
  return `/sync/view/${viewId}`;
}

const portOf = (endpoint: Endpoint) => Number(new URL(endpoint.origin).port);

function storedMiB(file: string | null): number {
  if (!file) return 0;
  const size = (name: string) => (fs.existsSync(name) ? fs.statSync(name).size : 0);
  return round((size(file) + size(`${file}-wal`)) / 2 ** 20);
}

function describeAttacker(outcome: FloodOutcome | null): string {
  if (!outcome) return '–';
  const codes = Object.entries(outcome.closeCodes).map(([code, count]) => `${count}× ${code}`);
  const mib = (bytes: number) => `${round(bytes / 2 ** 20)} MiB`;
  return [
    `${outcome.socketsOpened} sockets${outcome.refused ? ` (+${outcome.refused} refused)` : ''}`,
    `sent ${outcome.framesSent} frames / ${mib(outcome.bytesSent)}`,
    `got ${mib(outcome.bytesReceived)}`,
    codes.length ? `closed: ${codes.join(', ')}` : 'none closed',
    `${outcome.stillOpen} still open`,
    `came back ${outcome.reconnects}×`,
  ].join('; ');
}

const format = (value: number) => (Number.isFinite(value) ? round(value) : Number.POSITIVE_INFINITY);

/** Runs room A's typing with `name`'s flood going on, on a fresh server. */
export async function measureFlood(name: FloodName, plan: FloodPlan, documentState: Uint8Array): Promise<FloodRow> {
  const definition = FLOODS[name];
  const options = definition.server?.(plan) ?? {};
  // Default limits: the bench's usual unlimited rates would leave the attacker unthrottled.
  const defaults = { UPDATE_RATE_PER_SECOND: undefined, BYTE_RATE_PER_SECOND: undefined, SYNC_STEP1_RATE_PER_MINUTE: undefined, MAX_CONNECTIONS_PER_ADDRESS: undefined, MAX_ROOMS_PER_ADDRESS: undefined } satisfies Partial<Record<keyof typeof BENCH_TANDEM_LIMITS, undefined>>;
  const server = await startBenchServer('tandem', { ...options, env: { ...defaults, ...options.env } });
  const run = `${name}-${Date.now()}`;
  const port = portOf(server.endpoint);
  // Set once typing is about to start (inside runTypingLoad's callback).
  const live: { worker: LoadWorker | null; stopProbes: (() => Promise<ProbeSummary>) | null; before: ProcessSample | null; startedAt: number } = {
    worker: null,
    stopProbes: null,
    before: null,
    startedAt: 0,
  };
  let result: TypingLoadResult | null = null;
  let failure: string | null = null;
  let outcome: FloodOutcome | null = null;
  try {
    let viewPath = '';
    if (definition.needsDocument) {
      const room = `doc-${run}`;
      const seeder = await seedRoom(server.endpoint, room, documentState);
      await seeder.close();
      viewPath = await viewPathOf(server, room);
    }
    try {
      result = await runTypingLoad(server, {
        rooms: 1,
        clientsPerRoom: plan.typists,
        editsPerSecond: EDITS_PER_SECOND,
        seconds: plan.typingSeconds,
        workers: 1,
        roomPrefix: `a-${run}`,
        drainMs: 2_000,
        beforeTyping: async () => {
          live.before = sampleProcess(server.pid);
          live.startedAt = monotonicMs();
          if (definition.spec) {
            const worker = forkWorker(FLOOD_WORKER);
            live.worker = worker;
            worker.child.send({ type: 'start', port, spec: definition.spec({ plan, viewPath, run }) });
            await within(worker.next('attacking'), 60_000, 'flood worker');
          }
          live.stopProbes = startProbes(port, server.endpoint, `probe-${run}`);
          await sleep(plan.warmupSeconds * 1000);
        },
      });
    } catch (error) {
      failure = (error as Error).message.split('\n')[0];
    }
    const alive = server.exit() === null;
    const after = alive ? sampleProcess(server.pid) : null;
    const windowSeconds = round((monotonicMs() - live.startedAt) / 1000);
    const stored = storedMiB(server.storageFile);
    live.worker?.child.send({ type: 'stop' });
    const [attackerOutcome, probes] = await Promise.all([
      live.worker ? within(live.worker.next<FloodOutcome>('outcome'), 15_000, 'flood worker').catch(() => null) : null,
      live.stopProbes ? live.stopProbes() : null,
    ]);
    outcome = attackerOutcome;
    const exit = server.exit();
    const lastError = server.errors().trim().split('\n').filter((line) => /error|fatal|killed/i.test(line)).at(-1);
    const serverState = exit
      ? `died (${exit.signal ?? `exit ${exit.code}`})${lastError ? `: ${lastError.slice(0, 80)}` : ''}`
      : failure
        ? `up; typing run failed: ${failure}`
        : 'up';
    const latencies = result ? [...result.latencies, ...Array<number>(Math.max(0, result.expectedDeliveries - result.deliveries)).fill(Number.POSITIVE_INFINITY)] : [];
    const joinFailures = Object.entries(probes?.joinFailures ?? {}).map(([why, count]) => `${count}× ${why}`);
    const start = live.before;
    return {
      flood: name,
      label: definition.label,
      sends: result?.sends ?? 0,
      delivered: result ? Number((result.deliveries / result.expectedDeliveries).toFixed(4)) : 0,
      p50Ms: format(percentile(latencies, 50)),
      p95Ms: format(percentile(latencies, 95)),
      p99Ms: format(percentile(latencies, 99)),
      p95VsQuiet: null,
      healthz: probes ? `${probes.healthzRequests - probes.healthzFailed}/${probes.healthzRequests} ok` : '–',
      healthzMaxMs: probes && probes.healthzRequests > probes.healthzFailed ? round(probes.healthzMaxMs) : Number.NaN,
      joins: probes ? `${probes.joinsSynced}/${probes.joins} synced${joinFailures.length ? ` (${joinFailures.join(', ')})` : ''}` : '–',
      cpuSeconds: after && start ? round(after.cpuSeconds - start.cpuSeconds) : Number.NaN,
      windowSeconds,
      peakRssMiB: after ? Math.round(after.peakRssMiB) : Number.NaN,
      storedMiB: stored,
      server: serverState,
      attacker: describeAttacker(outcome),
      attackerNotes: outcome?.notes ?? [],
      lateSends: result?.lateSends ?? 0,
    };
  } finally {
    if (live.worker) await stopWorkers([live.worker]);
    // A flooded server may take long to shut down cleanly; what it stored no longer matters.
    await server.stop(3_000);
    if (server.storageFile) fs.rmSync(path.dirname(server.storageFile), { recursive: true, force: true });
  }
}

/** The quiet baseline, then each flood of `names` (default all); each row's p95 compared with the baseline's. */
export async function measureFloods(plan: FloodPlan, documentState: Uint8Array, names: FloodName[] = Object.keys(FLOODS) as FloodName[]): Promise<FloodRow[]> {
  const rows: FloodRow[] = [];
  const floods = names.filter((name) => !name.startsWith('quiet'));
  for (const name of ['quiet', ...floods, 'quiet-again'] as FloodName[]) {
    if (!(name in FLOODS)) throw new Error(`unknown flood "${name}" (known: ${Object.keys(FLOODS).join(', ')})`);
    console.log(`• floods: ${FLOODS[name].label}…`);
    const started = performance.now();
    const row = await measureFlood(name, plan, documentState);
    console.log(`  (${Math.round((performance.now() - started) / 1000)} s)`, row);
    rows.push(row);
  }
  // The better of the two quiet runs: a hiccup of the shared machine during one must not flatter the floods.
  const quiet = Math.min(...rows.filter((row) => row.flood.startsWith('quiet')).map((row) => row.p95Ms));
  for (const row of rows) row.p95VsQuiet = Number.isFinite(row.p95Ms) ? round(row.p95Ms / quiet) : Number.POSITIVE_INFINITY;
  return rows;
}
