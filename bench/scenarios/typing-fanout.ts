/**
 * Scenario 1, typing fan-out: one room, N clients each typing one character every 200 ms
 * (5 edits/s, human speed), everyone receiving everyone else's keystrokes. Latency is from a
 * typist's send to receipt at each other client; server CPU seconds over the typing window;
 * the server's peak RSS.
 */
import { startBenchServer, type ServerKind } from '../lib/servers';
import { runTypingLoad } from '../lib/typing-load';

export interface TypingFanoutRow {
  server: ServerKind;
  typists: number;
  seconds: number;
  sends: number;
  /** Deliveries measured ÷ sends × (N − 1). */
  delivered: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuSeconds: number;
  peakRssMiB: number;
  lateSends: number;
}

export const EDITS_PER_SECOND = 5;

export async function measureTypingFanout(kind: ServerKind, typists: number, seconds: number): Promise<TypingFanoutRow> {
  const server = await startBenchServer(kind);
  try {
    const result = await runTypingLoad(server, {
      rooms: 1,
      clientsPerRoom: typists,
      editsPerSecond: EDITS_PER_SECOND,
      seconds,
      workers: typists > 10 ? 2 : 1,
      roomPrefix: `fanout-${typists}-${Date.now()}`,
    });
    return {
      server: kind,
      typists,
      seconds,
      sends: result.sends,
      delivered: Number((result.deliveries / result.expectedDeliveries).toFixed(4)),
      p50Ms: result.p50Ms,
      p95Ms: result.p95Ms,
      p99Ms: result.p99Ms,
      maxMs: result.maxMs,
      cpuSeconds: result.cpuSeconds,
      peakRssMiB: Math.round(result.after.peakRssMiB),
      lateSends: result.lateSends,
    };
  } finally {
    await server.stop();
  }
}
