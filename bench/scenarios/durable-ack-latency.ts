/**
 * Edit → durable ack latency: the clownschool trace's three authors type at their recorded
 * speed (idle gaps over 2 s shortened), each on its own socket; every update is timed from
 * send until Tandem's SAVED ack says it is in storage (SQLite, synchronous=FULL).
 */
import { startServer } from '../../test/support/server-process';
import { AckTimingClient } from '../lib/raw-client';
import { percentile, round } from '../lib/stats';
import { compressIdleGaps, concurrentUpdates } from '../lib/traces';

export interface AckLatencyResult {
  seconds: number;
  updates: number;
  meanUpdatesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function measureDurableAckLatency(seconds: number): Promise<AckLatencyResult> {
  const all = compressIdleGaps(concurrentUpdates('clownschool.json.gz'), 2_000);
  const window = all.filter((item) => item.atMs < seconds * 1000);
  const server = await startServer({ env: { LOG_LEVEL: 'info' } });
  try {
    const room = `bench-ack-${Date.now()}`;
    const authors = await Promise.all([0, 1, 2].map(() => AckTimingClient.connect(server.syncUrl, room)));
    const started = performance.now();
    for (const item of window) {
      const delay = started + item.atMs - performance.now();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      authors[item.agent].sendUpdate(item.update);
    }
    await Promise.all(authors.map((author) => author.waitForAllAcked()));
    const latencies = authors.flatMap((author) => author.ackLatenciesMs);
    for (const author of authors) author.close();
    return {
      seconds,
      updates: latencies.length,
      meanUpdatesPerSecond: round(latencies.length / seconds),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
    };
  } finally {
    await server.stop();
  }
}
