/**
 * Profiles the Tandem server under one benchmark scenario: starts it with `node --cpu-prof`,
 * drives the scenario, stops it (the profile is written on exit) and prints the functions
 * with the most self time, and self time by package / file.
 *
 *   node --import tsx bench/profile.ts fanout [typists=50] [seconds=10]
 *   node --import tsx bench/profile.ts storm [joiners=50] [rounds=3]
 *   node --import tsx bench/profile.ts ingest [edits=100000]
 *   node --import tsx bench/profile.ts show <file.cpuprofile>
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { startBenchServer } from './lib/servers';
import { sequentialUpdates } from './lib/traces';
import { runTypingLoad } from './lib/typing-load';
import { WireClient } from './lib/wire-client';
import { ingest } from './scenarios/ingest';
import { seedRoom } from './scenarios/join-storm';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per package/file, from a .cpuprofile. */
export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '~/').replace(process.cwd() + '/', '');
    const name = `${functionName || '(anonymous)'}  ${where ? `${where}:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const place = where.startsWith('~/') ? where.split('/').slice(1, where.startsWith('~/@') ? 3 : 2).join('/') : where || functionName;
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  const lines = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  return [`total sampled: ${(total / 1e6).toFixed(2)} s`, '', 'self time by function:', ...lines(byFunction), '', 'self time by package / file:', ...lines(byPlace)].join('\n');
}

async function main(): Promise<void> {
  const [scenario, ...args] = process.argv.slice(2);
  if (scenario === 'show') {
    console.log(summarizeProfile(args[0]));
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-prof-'));
  const server = await startBenchServer('tandem', { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    if (scenario === 'fanout') {
      const typists = Number(args[0] ?? 50);
      const result = await runTypingLoad(server, {
        rooms: 1, clientsPerRoom: typists, editsPerSecond: 5, seconds: Number(args[1] ?? 10), workers: 2, roomPrefix: `prof-${Date.now()}`,
      });
      console.log({ p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuSeconds: result.cpuSeconds });
    } else if (scenario === 'storm') {
      const state = Y.encodeStateAsUpdate(sequentialUpdates('automerge-paper.json.gz').doc);
      const room = `prof-storm-${Date.now()}`;
      const seeder = await seedRoom(server.endpoint, room, state);
      for (let round = 0; round < Number(args[1] ?? 3); round++) {
        const clients = Array.from({ length: Number(args[0] ?? 50) }, () => new WireClient(server.endpoint, room));
        await Promise.all(clients.map((client) => client.whenSynced()));
        console.log(`round ${round}: last synced after ${Math.round(Math.max(...clients.map((c) => c.syncedAtMs! - c.openedAtMs)))} ms`);
        await Promise.all(clients.map((client) => client.close()));
      }
      await seeder.close();
    } else if (scenario === 'ingest') {
      const { updates } = sequentialUpdates('automerge-paper.json.gz', Number(args[0] ?? 100_000));
      const result = await ingest(server, `prof-ingest-${Date.now()}`, updates, 120);
      console.log({ ...result, updatesPerSecond: Math.round(result.ingested / result.seconds) });
    } else {
      throw new Error('usage: bench/profile.ts fanout|storm|ingest|show …');
    }
  } finally {
    await server.stop();
  }
  const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`\n${path.join(dir, file)}\n`);
  console.log(summarizeProfile(path.join(dir, file)));
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
