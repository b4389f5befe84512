/**
 * Scenario 3, join storm: a room holds the whole automerge-paper document (one client keeps it
 * open); then 50 clients open it at the same moment. Time from that moment until each client
 * has received the server's answer to its sync step 1 (the whole document), and the server's
 * peak RSS.
 */
import { startBenchServer, sampleProcess, type ServerKind } from '../lib/servers';
import { percentile, round } from '../lib/stats';
import { monotonicMs, WireClient, type Endpoint } from '../lib/wire-client';

export interface JoinStormRow {
  server: ServerKind;
  joiners: number;
  rounds: number;
  documentBytes: number;
  p50Ms: number;
  p99Ms: number;
  /** Median over rounds of the time until the last joiner was synced. */
  allSyncedMs: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

/** Seeds `room` of the server at `endpoint` with `state` through one client, which stays connected; resolves when a probe sees it. */
export async function seedRoom(endpoint: Endpoint, room: string, state: Uint8Array): Promise<WireClient> {
  const seeder = new WireClient(endpoint, room);
  await seeder.whenSynced();
  seeder.sendUpdate(state);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const probe = new WireClient(endpoint, room);
    await probe.whenSynced();
    await probe.close();
    if (probe.syncBytes >= state.byteLength * 0.9) return seeder;
    if (Date.now() > deadline) throw new Error(`${endpoint.origin}${endpoint.roomPath}/${room}: seeded document never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function measureJoinStorm(kind: ServerKind, state: Uint8Array, joiners: number, rounds: number): Promise<JoinStormRow> {
  const server = await startBenchServer(kind);
  try {
    const room = `storm-${Date.now()}`;
    const seeder = await seedRoom(server.endpoint, room, state);
    const times: number[] = [];
    const allSynced: number[] = [];
    const cpuBefore = sampleProcess(server.pid).cpuSeconds;
    for (let round = 0; round < rounds; round++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const startedMs = monotonicMs();
      const clients = Array.from({ length: joiners }, () => new WireClient(server.endpoint, room));
      await Promise.all(clients.map((client) => client.whenSynced()));
      const roundTimes = clients.map((client) => client.syncedAtMs! - startedMs);
      if (clients.some((client) => client.syncBytes < state.byteLength * 0.9)) throw new Error(`${kind}: a joiner got a partial document`);
      times.push(...roundTimes);
      allSynced.push(Math.max(...roundTimes));
      await Promise.all(clients.map((client) => client.close()));
    }
    const after = sampleProcess(server.pid);
    await seeder.close();
    return {
      server: kind,
      joiners,
      rounds,
      documentBytes: state.byteLength,
      p50Ms: round(percentile(times, 50)),
      p99Ms: round(percentile(times, 99)),
      allSyncedMs: round(percentile(allSynced, 50)),
      peakRssMiB: Math.round(after.peakRssMiB),
      cpuSeconds: round(after.cpuSeconds - cpuBefore),
    };
  } finally {
    await server.stop();
  }
}
