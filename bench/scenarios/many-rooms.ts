/**
 * Scenario 2, many rooms: R rooms × 4 clients, every client typing lightly (one character
 * every 4 s). Memory the server holds per room and per connection (its RSS once everyone has
 * typed, minus its RSS before anyone connected), and delivery latency within each room.
 */
import { startBenchServer, type ServerKind } from '../lib/servers';
import { round } from '../lib/stats';
import { runTypingLoad } from '../lib/typing-load';

export interface ManyRoomsRow {
  server: ServerKind;
  rooms: number;
  connections: number;
  idleRssMiB: number;
  loadedRssMiB: number;
  peakRssMiB: number;
  kibPerRoom: number;
  kibPerConnection: number;
  p50Ms: number;
  p99Ms: number;
  delivered: number;
  cpuSeconds: number;
  connectSeconds: number;
}

export const CLIENTS_PER_ROOM = 4;
const EDITS_PER_SECOND = 0.25;

export async function measureManyRooms(kind: ServerKind, rooms: number, seconds: number): Promise<ManyRoomsRow> {
  const server = await startBenchServer(kind);
  try {
    const result = await runTypingLoad(server, {
      rooms,
      clientsPerRoom: CLIENTS_PER_ROOM,
      editsPerSecond: EDITS_PER_SECOND,
      seconds,
      workers: 2,
      roomPrefix: `rooms-${Date.now()}`,
    });
    const grownKiB = (result.after.rssMiB - result.idle.rssMiB) * 1024;
    return {
      server: kind,
      rooms,
      connections: rooms * CLIENTS_PER_ROOM,
      idleRssMiB: round(result.idle.rssMiB),
      loadedRssMiB: round(result.after.rssMiB),
      peakRssMiB: round(result.after.peakRssMiB),
      kibPerRoom: round(grownKiB / rooms),
      kibPerConnection: round(grownKiB / (rooms * CLIENTS_PER_ROOM)),
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      delivered: Number((result.deliveries / result.expectedDeliveries).toFixed(4)),
      cpuSeconds: result.cpuSeconds,
      connectSeconds: result.connectSeconds,
    };
  } finally {
    await server.stop();
  }
}
