/**
 * `npm run bench` (full) / `npm run bench -- --quick` (under two minutes): runs the benchmark
 * scenarios against real server processes on loopback and writes bench/results/latest.{md,json}.
 * Numbers come from here, never from timed tests.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureDurableAckLatency } from './scenarios/durable-ack-latency';
import { measureStorageRatio } from './scenarios/storage-ratio';

const quick = process.argv.includes('--quick');
const resultsDir = path.join(import.meta.dirname, 'results');

function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    commit: execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(),
    mode: quick ? 'quick' : 'full',
  };
}

function table(rows: Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0]);
  const line = (cells: unknown[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((c) => row[c])))].join('\n');
}

async function main(): Promise<void> {
  console.log(`Tandem benchmarks (${quick ? 'quick' : 'full'})`);
  console.log('• durable ack latency (clownschool, 3 authors at recorded speed)…');
  const ack = await measureDurableAckLatency(quick ? 30 : 180);
  console.log(ack);
  console.log('• stored size after compaction (automerge-paper)…');
  const storage = await measureStorageRatio(quick ? 50_000 : Infinity);
  console.log(storage);

  const results = { machine: machine(), durableAckLatency: ack, storageAfterCompaction: storage };
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = [
    '# Tandem benchmark results',
    '',
    `Machine: ${results.machine.cpus}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}. ` +
      `Commit ${results.machine.commit}, ${results.machine.date}, ${results.machine.mode} run (\`npm run bench${quick ? ' -- --quick' : ''}\`).`,
    '',
    '## Edit → durable ack (SQLite, synchronous=FULL)',
    '',
    'The clownschool trace’s three authors type at their recorded speed (idle gaps over 2 s shortened); each',
    'update is timed from send until the SAVED acknowledgement says it is stored.',
    '',
    table([{ 'trace seconds': ack.seconds, updates: ack.updates, 'updates/s': ack.meanUpdatesPerSecond, 'p50 ms': ack.p50Ms, 'p99 ms': ack.p99Ms, 'max ms': ack.maxMs }]),
    '',
    '## Stored bytes after compaction',
    '',
    'One client sends automerge-paper edits one update per keystroke; the room is compacted when it unloads.',
    '',
    table([{
      edits: storage.edits,
      'ingest updates/s': storage.ingestUpdatesPerSecond,
      'log bytes before compaction': storage.logBytesBeforeCompaction,
      'stored bytes after': storage.storedBytesAfterCompaction,
      'encodeStateAsUpdate bytes': storage.encodedStateBytes,
      'stored / encoded': storage.ratio,
    }]),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  console.log(`\nWrote ${path.relative(process.cwd(), path.join(resultsDir, 'latest.md'))}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
