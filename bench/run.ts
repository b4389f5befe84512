/**
 * `npm run bench` (full) / `npm run bench -- --quick` (under two minutes): runs every scenario
 * against Tandem and the peer servers (installed on first use into bench/peers, never Tandem
 * dependencies), each server a fresh child process per scenario on loopback, the load
 * generated from other processes. Writes bench/results/latest.{md,json} and
 * bench/results/p99-latency.svg. Numbers come from here, never from timed tests.
 * `--only=fanout,rooms,storm,cold,ingest,ack,storage,multi-instance,floods,history,history-browser,comments,browser` runs a subset into bench/results/partial.{md,json};
 * `--floods=step1,squat` picks floods (see bench/scenarios/floods.ts; the quiet baseline always runs).
 * `multi-instance` needs PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL, see bench/lib/tandem-cluster.ts);
 * `history-browser`, `comments` and `browser` need Chromium (as the end-to-end tests do) and build the web app when its build is stale;
 * `browser` also writes bench/results/browser-typing.svg (partial.browser-typing.svg in a subset run).
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { barChartSvg, lineChartSvg } from './lib/chart';
import { PEERS_DIR, SERVER_LABELS, startBenchServer, versions, type ServerKind } from './lib/servers';
import { round } from './lib/stats';
import { sequentialUpdates } from './lib/traces';
import { measureColdLoad, type ColdLoadRow } from './scenarios/cold-load';
import { measureDurableAckLatency } from './scenarios/durable-ack-latency';
import { FLOODS, measureFloods, type FloodName, type FloodRow } from './scenarios/floods';
import { CHECKPOINT_EVERY_SEGMENTS } from '../server/history/planner';
import { measureHistory, type HistoryResult } from './scenarios/history';
import { measureComments, type CommentsResult } from './scenarios/comments';
import { measureBrowserTyping, SERVER_NAMES, type BrowserTypingResult } from './scenarios/browser-typing';
import { measureHistoryBrowser, type HistoryBrowserResult } from './scenarios/history-browser';
import { measureIngest, measurePlainApply, storeCount, type IngestRow } from './scenarios/ingest';
import { measureJoinStorm, seedRoom, type JoinStormRow } from './scenarios/join-storm';
import { measureManyRooms, type ManyRoomsRow } from './scenarios/many-rooms';
import { measureMultiInstance, MULTI_INSTANCE_EDITS_PER_SECOND, type MultiInstanceRow } from './scenarios/multi-instance';
import { measureStorageRatio } from './scenarios/storage-ratio';
import { EDITS_PER_SECOND, measureTypingFanout, type TypingFanoutRow } from './scenarios/typing-fanout';

const quick = process.argv.includes('--quick');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (name: string) => !only || only.includes(name);
const resultsDir = path.join(import.meta.dirname, 'results');
/** A subset run must not overwrite the full report. */
const resultsName = only ? 'partial' : 'latest';
/** Section 11's chart, beside its report (a subset run's is gitignored with the rest of partial.*). */
const browserChartName = only ? 'partial.browser-typing.svg' : 'browser-typing.svg';

/** What each mode runs; the quick run stays under two minutes on a 2-core machine. */
const PLAN = quick
  ? { typists: [10, 50], typingSeconds: 2, rooms: 100, roomSeconds: 2, stormRounds: 1, coldRounds: 1, ingestEdits: 30_000, ingestCapSeconds: 10, plainRounds: 1, ackSeconds: 5, storageEdits: 10_000 }
  : { typists: [10, 50, 100], typingSeconds: 15, rooms: 500, roomSeconds: 12, stormRounds: 3, coldRounds: 3, ingestEdits: Infinity, ingestCapSeconds: 90, plainRounds: 3, ackSeconds: 120, storageEdits: Infinity };
/** Multi-instance fan-out: one room's typists over 1, 2 and 3 Tandem instances (PostgreSQL + Redis). */
const MULTI_PLAN = quick ? { instances: [1, 2, 3], typists: 12, seconds: 3 } : { instances: [1, 2, 3], typists: 30, seconds: 15 };
/** Floods (Tandem only): room A's typists, how long each flood runs, attack sizes. */
const FLOOD_PLAN = quick
  ? { typists: 5, typingSeconds: 3, warmupSeconds: 1, squatSockets: 1_000, slowlorisConnections: 1_100 }
  : { typists: 5, typingSeconds: 12, warmupSeconds: 2, squatSockets: 2_000, slowlorisConnections: 1_100 };
/** History (in process): automerge-paper as 1,000 versions, every keystroke its own log entry. */
const HISTORY_PLAN = quick
  ? { versions: 1_000, editsPerEntry: 1, compactEvery: 500, materialiseSamples: 100, restorePairs: 5, attributionUpdates: 30_000 }
  : { versions: 1_000, editsPerEntry: 1, compactEvery: 500, materialiseSamples: 1_000, restorePairs: 40, attributionUpdates: Infinity };
/** History in Chromium: the same 1,000 versions seeded through the app, panel opens, slider steps, restores. */
const HISTORY_BROWSER_PLAN = quick
  ? { versions: 1_000, opens: 2, stepPositions: 4, stepsPerPosition: 2, restores: 2 }
  : { versions: 1_000, opens: 5, stepPositions: 10, stepsPerPosition: 3, restores: 5 };
/** Comments in Chromium: posts timed to the other screen; typing in the 100k-character paper with and without 500 threads. */
const COMMENTS_PLAN = quick ? { posts: 20, threads: 500, keystrokes: 30, rounds: 1 } : { posts: 40, threads: 500, keystrokes: 40, rounds: 3 };
/** Two people in Chromium, Tandem and the reference server through the same app: keystrokes per (server, document) per round, latecomers per server. */
const BROWSER_PLAN = quick ? { keystrokes: 40, rounds: 2, latecomers: 2 } : { keystrokes: 100, rounds: 4, latecomers: 5 };
const floodNames = process.argv.find((arg) => arg.startsWith('--floods='))?.slice('--floods='.length).split(',') as FloodName[] | undefined;
const LIVE_SERVERS: ServerKind[] = ['tandem', 'y-websocket', 'hocuspocus'];
const STORM_JOINERS = 50;
const COLORS: Record<ServerKind, string> = { tandem: '#d62728', 'tandem-normal': '#ff9896', 'y-websocket': '#1f77b4', hocuspocus: '#2ca02c', 'hocuspocus-sqlite': '#98df8a' };

/** Installs the pinned peer servers into bench/peers the first time (npm registry only). */
function ensurePeers(): void {
  if (fs.existsSync(path.join(PEERS_DIR, 'node_modules'))) return;
  console.log('Installing peer servers into bench/peers (first run only)…');
  execSync('npm install --prefix bench/peers --no-audit --no-fund', { cwd: path.resolve(PEERS_DIR, '..', '..'), stdio: 'inherit' });
}

function machine() {
  return {
    date: new Date().toISOString(),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map((value) => round(value)),
    mode: quick ? 'quick' : 'full',
  };
}

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '_not run_';
  const columns = Object.keys(rows[0]);
  const line = (cells: unknown[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((c) => row[c])))].join('\n');
}

const label = (kind: ServerKind) => SERVER_LABELS[kind];
/** Infinite latencies (keystrokes that never arrived) as ∞; nothing measured (the server died) as –. */
const finite = (value: number) => (value === Number.POSITIVE_INFINITY ? '∞' : Number.isNaN(value) ? '–' : value);

/** Scenarios that measure Tandem alone, so a run of only these needs no peer servers. */
const TANDEM_ONLY = ['ack', 'storage', 'multi-instance', 'floods', 'history', 'history-browser', 'comments'];

async function main(): Promise<void> {
  if (!only || only.some((name) => !TANDEM_ONLY.includes(name))) ensurePeers();
  const startedAt = performance.now();
  console.log(`Tandem vs peers (${quick ? 'quick' : 'full'})`);
  const results: Record<string, unknown> = { machine: machine(), versions: versions(), plan: PLAN };

  const needsPaper = wants('storm') || wants('cold') || wants('ingest') || wants('floods');
  const paper = needsPaper ? sequentialUpdates('automerge-paper.json.gz') : null;
  const fullState = paper ? Y.encodeStateAsUpdate(paper.doc) : new Uint8Array();

  const fanout: TypingFanoutRow[] = [];
  if (wants('fanout')) {
    for (const typists of PLAN.typists) {
      // Also Tandem with commits that survive any crash but skip the fsync: what the fsync costs.
      for (const kind of [...LIVE_SERVERS, 'tandem-normal'] as ServerKind[]) {
        console.log(`• typing fan-out: ${kind}, ${typists} typists…`);
        fanout.push(await measureTypingFanout(kind, typists, PLAN.typingSeconds));
        console.log(fanout.at(-1));
      }
    }
  }

  const rooms: ManyRoomsRow[] = [];
  if (wants('rooms')) {
    for (const kind of LIVE_SERVERS) {
      console.log(`• many rooms: ${kind}, ${PLAN.rooms} rooms…`);
      rooms.push(await measureManyRooms(kind, PLAN.rooms, PLAN.roomSeconds));
      console.log(rooms.at(-1));
    }
  }

  const storm: JoinStormRow[] = [];
  if (wants('storm')) {
    for (const kind of LIVE_SERVERS) {
      console.log(`• join storm: ${kind}…`);
      storm.push(await measureJoinStorm(kind, fullState, STORM_JOINERS, PLAN.stormRounds));
      console.log(storm.at(-1));
    }
  }

  const ingestRows: IngestRow[] = [];
  let plainPerSecond = Number.NaN;
  let tandemIngest: { storageFile: string | null; room: string; complete: boolean } | null = null;
  if (wants('ingest') && paper) {
    const updates = paper.updates.slice(0, Math.min(PLAN.ingestEdits, paper.updates.length));
    console.log(`• ingest: plain Y.applyUpdate of ${updates.length} updates…`);
    plainPerSecond = measurePlainApply(updates, PLAN.plainRounds);
    console.log(`  ${Math.round(plainPerSecond)} updates/s`);
    for (const kind of [...LIVE_SERVERS, 'hocuspocus-sqlite'] as ServerKind[]) {
      console.log(`• ingest: ${kind}…`);
      const { storageFile, room, ...row } = await measureIngest(kind, updates, plainPerSecond, PLAN.ingestCapSeconds);
      ingestRows.push(row);
      if (kind === 'tandem') tandemIngest = { storageFile, room, complete: row.ingested === paper.updates.length };
      console.log(row);
    }
  }

  const cold: ColdLoadRow[] = [];
  if (wants('cold') && paper) {
    if (tandemIngest?.complete && tandemIngest.storageFile) {
      console.log('• cold load: tandem, stored by the ingest (every edit one update)…');
      cold.push(await measureColdLoad('tandem', tandemIngest.storageFile, tandemIngest.room, 'all 259,778 edits sent one update each (its log as left after the ingest)', fullState.byteLength, PLAN.coldRounds));
      console.log(cold.at(-1));
    }
    for (const kind of ['tandem', 'hocuspocus-sqlite'] as ServerKind[]) {
      console.log(`• cold load: ${kind}, seeded with the whole document in one update…`);
      const room = `cold-${Date.now()}`;
      const seeding = await startBenchServer(kind);
      try {
        const seeder = await seedRoom(seeding.endpoint, room, fullState);
        await seeder.close();
        // Let the server store and unload the room as it does when its last client leaves.
        await new Promise((resolve) => setTimeout(resolve, quick ? 1_500 : 3_000));
      } finally {
        await seeding.stop();
      }
      if (kind === 'hocuspocus-sqlite') console.log(`  hocuspocus stored the document ${storeCount(seeding.output())} time(s)`);
      cold.push(await measureColdLoad(kind, seeding.storageFile!, room, 'the whole document in one update', fullState.byteLength, PLAN.coldRounds));
      console.log(cold.at(-1));
    }
  }

  const ack = wants('ack') ? await (console.log('• durable ack latency (Tandem)…'), measureDurableAckLatency(PLAN.ackSeconds)) : null;
  const storage = wants('storage') ? await (console.log('• stored size after compaction (Tandem)…'), measureStorageRatio(PLAN.storageEdits)) : null;

  const multi: MultiInstanceRow[] = [];
  if (wants('multi-instance')) {
    for (const instances of MULTI_PLAN.instances) {
      console.log(`• multi-instance fan-out: ${MULTI_PLAN.typists} typists over ${instances} instance(s)…`);
      multi.push(await measureMultiInstance(instances, MULTI_PLAN.typists, MULTI_PLAN.seconds));
      console.log(multi.at(-1));
    }
  }

  const floods: FloodRow[] = wants('floods') && paper ? await measureFloods(FLOOD_PLAN, fullState, floodNames) : [];
  const history = wants('history') ? await (console.log('• version history (in process)…'), measureHistory(HISTORY_PLAN)) : null;
  if (history) console.log(history);
  const historyBrowser = wants('history-browser') ? await (console.log('• version history in Chromium…'), measureHistoryBrowser(HISTORY_BROWSER_PLAN)) : null;
  if (historyBrowser) console.log(historyBrowser);
  const comments = wants('comments') ? await (console.log('• comments in Chromium…'), measureComments(COMMENTS_PLAN)) : null;
  if (comments) console.log(comments);
  const browserTyping = wants('browser') ? await (console.log('• two people typing in Chromium, Tandem and the reference server…'), measureBrowserTyping(BROWSER_PLAN)) : null;
  if (browserTyping) console.dir(browserTyping, { depth: 3 });

  Object.assign(results, {
    typingFanout: fanout,
    manyRooms: rooms,
    joinStorm: storm,
    coldLoad: cold,
    ingest: { plainApplyUpdatesPerSecond: Math.round(plainPerSecond), rows: ingestRows },
    durableAckLatency: ack,
    storageAfterCompaction: storage,
    multiInstance: multi,
    floods,
    history,
    historyBrowser,
    comments,
    browserTyping,
    totalSeconds: Math.round((performance.now() - startedAt) / 1000),
  });
  writeResults(results, fanout, rooms, storm, cold, ingestRows, plainPerSecond, ack, storage, multi, floods, history, historyBrowser, comments, browserTyping);
}

function writeResults(
  results: Record<string, unknown>,
  fanout: TypingFanoutRow[],
  rooms: ManyRoomsRow[],
  storm: JoinStormRow[],
  cold: ColdLoadRow[],
  ingestRows: IngestRow[],
  plainPerSecond: number,
  ack: Awaited<ReturnType<typeof measureDurableAckLatency>> | null,
  storage: Awaited<ReturnType<typeof measureStorageRatio>> | null,
  multi: MultiInstanceRow[],
  floods: FloodRow[],
  history: HistoryResult | null,
  historyBrowser: HistoryBrowserResult | null,
  comments: CommentsResult | null,
  browserTyping: BrowserTypingResult | null,
): void {
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, `${resultsName}.json`), `${JSON.stringify(results, null, 2)}\n`);
  if (fanout.length > 0 && !only) {
    const series = ([...LIVE_SERVERS, 'tandem-normal'] as ServerKind[]).map((kind) => ({
      label: label(kind),
      color: COLORS[kind],
      points: fanout.filter((row) => row.server === kind).map((row) => ({ x: row.typists, y: row.p99Ms })),
    }));
    fs.writeFileSync(
      path.join(resultsDir, 'p99-latency.svg'),
      lineChartSvg('Typing fan-out: p99 delivery latency', `typists in one room (each ${EDITS_PER_SECOND} edits/s)`, 'p99 latency, ms (log scale)', series),
    );
  }
  if (browserTyping) fs.writeFileSync(path.join(resultsDir, browserChartName), browserTypingChart(browserTyping));
  const m = results.machine as ReturnType<typeof machine>;
  const v = results.versions as Record<string, string>;
  const md = [
    '# Tandem vs peer servers',
    '',
    `${m.date}, ${m.mode} run (\`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`, ${results.totalSeconds} s). Machine: ${m.cpus}, ${m.memoryGiB} GiB, ` +
      `load average at start ${m.loadAverageAtStart.join(' / ')} (shared machine: other jobs ran meanwhile, expect noise).`,
    '',
    'Versions: ' + Object.entries(v).map(([name, version]) => `${name} ${version}`).join(', ') + '.',
    '',
    'Each server is a fresh child process per scenario on 127.0.0.1, `perMessageDeflate` off. Tandem runs as self-hosted',
    '(`node --import tsx server/main.ts`, SQLite in WAL mode with `synchronous=FULL`: every update stored before it is',
    'forwarded; `LOG_LEVEL=warn`, `UPDATE_RATE_PER_SECOND=0`). y-websocket and Hocuspocus keep documents in memory unless',
    'marked SQLite. The load comes from separate processes using one lean client for all three (the y-websocket protocol;',
    'for Hocuspocus its framing of it: document name prefix, token message first) with no Y.Doc of its own, so every',
    'server is driven at the same client cost. Latency is from a typist\'s send to receipt at each other client (matched by',
    'Yjs client id and clock; clocks are CLOCK_MONOTONIC across processes). CPU is the server process\'s user+system',
    'seconds over the measured window; peak RSS is its VmHWM. Profiles and recommended server changes: [../FINDINGS.md](../FINDINGS.md).',
    '',
    `## 1. Typing fan-out (one room, every client typing ${EDITS_PER_SECOND} edits/s and receiving everyone else's)`,
    '',
    '![p99 latency against typists](p99-latency.svg)',
    '',
    table(fanout.map((row) => ({
      server: label(row.server), typists: row.typists, 'seconds': row.seconds, sends: row.sends, delivered: row.delivered,
      'p50 ms': row.p50Ms, 'p95 ms': row.p95Ms, 'p99 ms': row.p99Ms, 'max ms': row.maxMs, 'CPU s': row.cpuSeconds, 'peak RSS MiB': row.peakRssMiB,
      'late sends': row.lateSends,
    }))),
    '',
    '"late sends": keystrokes the load generator sent over 5 ms after their scheduled time (it was short of CPU, so',
    'latencies in that row include load-generator queueing).',
    '',
    `## 2. Many rooms (${rooms[0]?.rooms ?? '–'} rooms × 4 clients, each typing one character every 4 s)`,
    '',
    table(rooms.map((row) => ({
      server: label(row.server), connections: row.connections, 'idle RSS MiB': row.idleRssMiB, 'loaded RSS MiB': row.loadedRssMiB,
      'peak RSS MiB': row.peakRssMiB, 'KiB / room': row.kibPerRoom, 'KiB / connection': row.kibPerConnection,
      'p50 ms': row.p50Ms, 'p99 ms': row.p99Ms, delivered: row.delivered, 'CPU s': row.cpuSeconds, 'connect s': row.connectSeconds,
    }))),
    '',
    'Per room / per connection = (RSS after typing − RSS before anyone connected) ÷ rooms (or ÷ connections).',
    '',
    `## 3. Join storm (${STORM_JOINERS} clients open the room holding automerge-paper at the same moment)`,
    '',
    table(storm.map((row) => ({
      server: label(row.server), 'document B': row.documentBytes, rounds: row.rounds, 'p50 ms': row.p50Ms, 'p99 ms': row.p99Ms,
      'all synced ms (median round)': row.allSyncedMs, 'CPU s': row.cpuSeconds, 'peak RSS MiB': row.peakRssMiB,
    }))),
    '',
    '## 4. Cold load (first client of a stored room, fresh server process)',
    '',
    table(cold.map((row) => ({
      server: label(row.server), stored: row.storedAs, rounds: row.rounds, 'document B': row.documentBytes,
      'median ms': row.medianMs, 'min ms': row.minMs, 'max ms': row.maxMs,
    }))),
    '',
    'y-websocket 2.1.0 is measured in memory only (its LevelDB persistence is optional and not part of the baseline), so it has no cold load.',
    '',
    `## 5. Ingest (one client replays automerge-paper, one update per edit, ≤ 2,000 in flight)`,
    '',
    `Plain in-process \`Y.applyUpdate\` of the same updates: ${Math.round(plainPerSecond)} updates/s (median of ${PLAN.plainRounds}).`,
    '',
    table(ingestRows.map((row) => ({
      server: label(row.server), edits: row.edits, received: row.ingested, seconds: row.seconds, 'updates/s': row.updatesPerSecond,
      'of plain Yjs': row.ofPlainLimit, 'CPU s': row.cpuSeconds, 'peak RSS MiB': row.peakRssMiB, 'whole-document stores': row.stores ?? '–',
    }))),
    '',
    ingestRows.some((row) => row.ingested < row.edits)
      ? `A row with fewer received than edits hit the ${PLAN.ingestCapSeconds} s cap; its rate is over what got through.`
      : '',
    '## Tandem only: edit → durable SAVED ack (SQLite, synchronous=FULL)',
    '',
    'The clownschool trace’s three authors type at their recorded speed (idle gaps over 2 s shortened); each',
    'update is timed from send until the SAVED acknowledgement says it is stored.',
    '',
    ack
      ? table([{ 'trace seconds': ack.seconds, updates: ack.updates, 'updates/s': ack.meanUpdatesPerSecond, 'p50 ms': ack.p50Ms, 'p99 ms': ack.p99Ms, 'max ms': ack.maxMs }])
      : '_not run_',
    '',
    '## Tandem only: stored bytes after compaction',
    '',
    'One client sends automerge-paper edits one update per keystroke; the room is compacted when it unloads.',
    '',
    storage
      ? table([{
        edits: storage.edits,
        'ingest updates/s': storage.ingestUpdatesPerSecond,
        'log bytes before compaction': storage.logBytesBeforeCompaction,
        'stored bytes after': storage.storedBytesAfterCompaction,
        'encodeStateAsUpdate bytes': storage.encodedStateBytes,
        'stored / encoded': storage.ratio,
      }])
      : '_not run_',
    '',
    `## 6. Multi-instance fan-out (one room, ${MULTI_PLAN.typists} typists spread evenly over 1, 2 and 3 Tandem instances)`,
    '',
    `PostgreSQL storage, Redis fan-out, a fresh schema per run; every client types ${MULTI_INSTANCE_EDITS_PER_SECOND} edits/s and`,
    'receives everyone else\'s, so with k instances (k − 1)/k of the deliveries cross Redis. CPU is summed over the instances.',
    '',
    table(multi.map((row) => ({
      instances: row.instances, typists: row.typists, seconds: row.seconds, sends: row.sends, delivered: row.delivered,
      'deliveries/s': row.deliveriesPerSecond, 'p50 ms': row.p50Ms, 'p95 ms': row.p95Ms, 'p99 ms': row.p99Ms, 'max ms': row.maxMs,
      'CPU s (all instances)': row.cpuSeconds, 'late sends': row.lateSends,
    }))),
    '',
    `## 7. Floods (Tandem only): room A's typing while an attacker floods`,
    '',
    `${FLOOD_PLAN.typists} typists in room A, ${FLOOD_PLAN.typingSeconds} s at 5 edits/s each, on a fresh server per row with its default`,
    'limits (only where named: MAX_LOADED_ROOMS for squatting, `ulimit -n 1024` for slowloris). The attacker is its own',
    `process dialling from 127.0.0.2; its flood starts ${FLOOD_PLAN.warmupSeconds} s before the typing and stops after the drain. Meanwhile`,
    '`/healthz` is asked in a loop and a newcomer opens a fresh room once a second (5 s timeout each). A keystroke that',
    'never arrived counts as infinitely late (∞). CPU s: the server\'s over the window; peak RSS: its VmHWM. This machine is',
    'shared and small: compare the ratio to the quiet rows, not absolute numbers. "p95 ÷ quiet" divides by the lower of the',
    'two quiet runs\' p95 (one before, one after the floods). Goal: p95 within 2× of quiet during every flood; "new room',
    'joins" and `/healthz` show what newcomers get (squatting and slowloris leave room A alone and shut everyone else out).',
    '',
    table(floods.map((row) => ({
      flood: row.flood, sends: row.sends, delivered: row.delivered, 'p50 ms': finite(row.p50Ms), 'p95 ms': finite(row.p95Ms), 'p99 ms': finite(row.p99Ms),
      'p95 ÷ quiet': finite(row.p95VsQuiet ?? Number.NaN), '/healthz': row.healthz, '/healthz max ms': finite(row.healthzMaxMs), 'new room joins': row.joins,
      'CPU s': finite(row.cpuSeconds), 'window s': row.windowSeconds, 'peak RSS MiB': finite(row.peakRssMiB), 'stored MiB': row.storedMiB, server: row.server,
    }))),
    '',
    ...floods.filter((row) => !row.flood.startsWith('quiet')).map((row) =>
      `- **${row.flood}**: ${FLOODS[row.flood].label}. Attacker: ${row.attacker}${row.attackerNotes.length ? `; ${row.attackerNotes.join('; ')}` : ''}.`),
    '',
    '## 8. Version history (Tandem only, in process)',
    '',
    'automerge-paper typed as 1,000 versions (a pause between versions), every keystroke its own log entry, compacted every',
    `500 entries by the history planner (a checkpoint every ${CHECKPOINT_EVERY_SEGMENTS} segments); history = segments (v1, \`Y.mergeUpdates\` of the`,
    'entries) + checkpoints (the compaction\'s snapshot). Goals: segments ≤ 2× the gc:false document (which holds the same',
    'history inside), materialise p99 < 150 ms, restore p99 < 1 s, attribution ≤ 5 µs per keystroke update.',
    '',
    history
      ? [
        table([{
          versions: history.versions, 'log entries': history.logEntries, segments: history.segments, 'segment KiB': round(history.segmentBytes / 1024),
          checkpoints: history.checkpoints, 'checkpoint KiB': round(history.checkpointBytes / 1024), 'gc:false doc KiB': round(history.gcFalseDocBytes / 1024),
          'gc:true doc KiB': round(history.gcTrueDocBytes / 1024), 'segments ÷ gc:false': history.segmentsVsGcFalse, 'with checkpoints ÷ gc:false': history.withCheckpointsVsGcFalse,
        }]),
        '',
        table([{
          'materialised (correct)': `${history.materialised} (${history.materialiseCorrect})`, 'materialise p50 ms': history.materialiseP50Ms,
          'p99 ms': history.materialiseP99Ms, 'max ms': history.materialiseMaxMs,
          'restores (correct)': `${history.restorePairs} (${history.restoreCorrect})`, 'restore p50 ms': history.restoreP50Ms, 'restore p99 ms': history.restoreP99Ms,
          'restore max ms': history.restoreMaxMs, 'restore update p50 B': history.restoreUpdateP50Bytes, 'one restore on a worker ms': history.restoreOnWorkerMs,
          'attributed updates': history.attributedUpdates, 'µs / keystroke update': history.attributionMicrosPerUpdate, 'µs / deleting update': history.attributionMicrosPerDeletingUpdate,
        }]),
      ].join('\n')
      : '_not run_',
    '',
    '## 9. Version history in the browser (Tandem only, Chromium)',
    '',
    'The web app as `npm start` runs it (production build, SQLite, `UPDATE_RATE_PER_SECOND=0`); one Node client types',
    'automerge-paper into a room through the sync server, one keystroke per update, and after each thousandth of it waits',
    'for the SAVED ack and names a version (`POST …/versions`): 1,000 versions. Chromium (headless, the end-to-end flags) opens',
    '`/d/<room>`; times are taken inside the page, from the input event\'s timestamp until the frame showing the result is',
    'painted (a task queued from the next animation frame). Open: click on "Version history" → the list and the newest',
    'version\'s change count in the status line, a fresh page each time. Step: ArrowLeft on the timeslider → the older',
    'version\'s change count, from positions spread over all 1,000 versions (all pages loaded); the panel fetches the state',
    'a step needs while the step before renders. The body is one paragraph (the trace\'s line breaks are characters in',
    'it), the worst case for layout. Restore: click on "Yes, restore this version" → the live editor holds that version\'s',
    'text. Goals: open < 1 s, step p95 < 100 ms.',
    '',
    historyBrowser
      ? table([{
        versions: historyBrowser.versions, edits: historyBrowser.edits, 'document chars': historyBrowser.documentChars, 'seed s': historyBrowser.seedSeconds,
        opens: historyBrowser.opens, 'open p50 ms': historyBrowser.openP50Ms, 'open max ms': historyBrowser.openMaxMs, 'open p50 ms (DOM)': historyBrowser.openDomP50Ms,
        steps: historyBrowser.steps, 'step p50 ms': historyBrowser.stepP50Ms, 'step p95 ms': historyBrowser.stepP95Ms, 'step max ms': historyBrowser.stepMaxMs,
        'step p95 ms (DOM)': historyBrowser.stepDomP95Ms, restores: historyBrowser.restores, 'restore p50 ms': historyBrowser.restoreP50Ms,
        'restore max ms': historyBrowser.restoreMaxMs, browser: historyBrowser.browser, app: historyBrowser.build,
      }])
      : '_not run_',
    '',
    '## 10. Comments in the browser (Tandem only, Chromium)',
    '',
    'The web app as `npm start` runs it (production build, SQLite) and Chromium as the end-to-end tests run it; per room an',
    'editor on the edit link and a commenter on the comment link, each in its own browser context. Times are taken inside',
    'the pages (`performance.timeOrigin + performance.now()`, one machine clock), from the input event until the frame',
    'showing the result is painted. Post: the commenter selects a word, writes a comment and clicks Post → the editor\'s',
    'margin shows the thread card with it (through the server, which marks the text and stores the thread). Typing: the',
    'editor types at the start of automerge-paper\'s final text (one paragraph per line), in a room without threads and in',
    'one with threads anchored evenly over the text, alternately round after round; own = the typist\'s screen, other = the',
    'commenter\'s. Goals: post p95 < 200 ms; typing p95 with threads the same as without, within noise.',
    '',
    comments
      ? table([{
        posts: comments.posts, 'post p50 ms': comments.postP50Ms, 'post p95 ms': comments.postP95Ms, 'post max ms': comments.postMaxMs,
        browser: comments.browser, app: comments.build,
      }])
      : '_not run_',
    '',
    comments
      ? table(comments.typing.map((row) => ({
        room: row.room, 'document chars': comments.documentChars, paragraphs: comments.paragraphs, keystrokes: row.keystrokes,
        'own p50 ms': row.ownP50Ms, 'own p95 ms': row.ownP95Ms, 'other p50 ms': row.otherP50Ms, 'other p95 ms': row.otherP95Ms, 'other max ms': row.otherMaxMs,
      })))
      : '_not run_',
    '',
    '## 11. Two people typing in the browser: Tandem and the reference server through the same app (Chromium)',
    '',
    'The web app as `npm start` runs it (production build, SQLite, durable defaults), twice from one build: one app syncs',
    'through its own `/sync` (Tandem), the other has `PUBLIC_SYNC_URL` pointing at the in-memory y-websocket 2.1.0 server',
    '(the browser opens `ws://…/<room>`, the room\'s name there). Chromium headless with the end-to-end flags, each person in',
    'a browser context of their own. Both servers get each document through a raw sync connection first: an empty one',
    '(one empty paragraph) and automerge-paper\'s final text (one paragraph per line).',
    `One person types a letter every ${browserTyping?.keyIntervalMs ?? '–'} ms on a schedule at ${browserTyping?.typedAt ?? 'the start'}; each keystroke is timed inside the`,
    'pages (`performance.timeOrigin` + the page clock, one machine clock) from its keydown until the frame first showing it',
    'is painted: own = the typist\'s screen, other = the other person\'s. Rounds alternate between the servers, and which goes',
    'first. Latecomer: a fresh context opens the paper document while the two are in it, from navigation start until the',
    'frame showing all of its text. Goals (issue 16): empty document, other p50 and p95 ≤ 1.1× the reference; paper, own',
    'p95 < 16 ms, other p95 < 50 ms, latecomer < 1 s. Keys are sent on time whether or not the page has handled the one',
    'before (a slow page queues them, and the wait counts); "late keys": sent over 10 ms after their time (the bench process',
    'was short of CPU).',
    '',
    `![keystroke latencies, Tandem and the reference](${browserChartName})`,
    '',
    browserTyping
      ? table(browserTyping.rows.map((row) => ({
        server: SERVER_NAMES[row.server], document: row.document, 'document chars': row.documentChars, keystrokes: row.keystrokes,
        'own p50 ms': row.ownP50Ms, 'own p95 ms': row.ownP95Ms, 'own max ms': row.ownMaxMs,
        'other p50 ms': row.otherP50Ms, 'other p95 ms': row.otherP95Ms, 'other max ms': row.otherMaxMs, 'late keys': row.lateKeys,
      })))
      : '_not run_',
    '',
    browserTyping
      ? table(browserTyping.latecomers.map((row) => ({
        server: SERVER_NAMES[row.server], 'latecomer: document chars': row.documentChars, rounds: row.rounds, 'median ms': row.medianMs, 'min ms': row.minMs, 'max ms': row.maxMs,
      })))
      : '_not run_',
    '',
    browserTyping ? `Tandem ÷ reference in this run:\n\n${table(browserTyping.ratios.map((row) => ({ latency: row.of, p50: row.p50, p95: row.p95 })))}\n\n${browserTyping.browser}, ${browserTyping.build}.` : '',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(resultsDir, `${resultsName}.md`), md);
  console.log(`\nWrote bench/results/${resultsName}.md, ${resultsName}.json${fanout.length > 0 && !only ? ', p99-latency.svg' : ''}${browserTyping ? `, ${browserChartName}` : ''}`);
}

/** Section 11's chart: each of the four keystroke latencies at p50 and p95, Tandem beside the reference. */
function browserTypingChart(result: BrowserTypingResult): string {
  const servers = ['tandem', 'reference'] as const;
  const legend = { tandem: { label: 'Tandem (durable)', color: COLORS.tandem }, reference: { label: 'y-websocket (memory)', color: COLORS['y-websocket'] } };
  const latencies = [
    { document: 'empty', field: 'own', detail: 'empty, own' },
    { document: 'empty', field: 'other', detail: 'empty, other' },
    { document: 'automerge-paper', field: 'own', detail: 'paper, own' },
    { document: 'automerge-paper', field: 'other', detail: 'paper, other' },
  ] as const;
  const groups = latencies.flatMap(({ document, field, detail }) =>
    (['p50', 'p95'] as const).map((p) => ({
      label: p,
      detail,
      values: servers.map((server) => {
        const row = result.rows.find((candidate) => candidate.server === server && candidate.document === document)!;
        return row[`${field}${p === 'p50' ? 'P50' : 'P95'}Ms`];
      }),
    })),
  );
  return barChartSvg(
    'Two people typing in Chromium: keystroke → painted',
    'ms',
    servers.map((server) => legend[server]),
    groups,
  );
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
