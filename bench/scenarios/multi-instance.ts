/**
 * Scenario 6, multi-instance fan-out: one busy room whose typists are spread evenly over 1, 2
 * or 3 Tandem instances (PostgreSQL + Redis, a fresh schema per run). Every client types
 * 5 edits/s and receives everyone else's, so with k instances (k − 1)/k of each delivery
 * crosses Redis. Latency is from a typist's send to receipt at each other client; throughput
 * is deliveries per second; CPU is the sum over all instances. The load runs in forked
 * processes (bench/lib/typing-worker.ts), each holding the clients of one instance.
 */
import { sampleProcess } from '../lib/servers';
import { percentile, round } from '../lib/stats';
import { startTandemCluster } from '../lib/tandem-cluster';
import { deliveryLatencies, forkWorker, stopWorkers } from '../lib/typing-load';
import type { TypingWorkerReport } from '../lib/typing-worker';
import { monotonicMs } from '../lib/wire-client';

const FIRST_CLIENT_ID = 200_000;
export const MULTI_INSTANCE_EDITS_PER_SECOND = 5;

export interface MultiInstanceRow {
  instances: number;
  typists: number;
  seconds: number;
  sends: number;
  /** Deliveries measured ÷ sends × (N − 1). */
  delivered: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** User + system CPU seconds of all instances over the typing window. */
  cpuSeconds: number;
  lateSends: number;
}


/** Runs one room of `typists` spread over `instanceCount` instances for `seconds`. */
export async function measureMultiInstance(instanceCount: number, typists: number, seconds: number): Promise<MultiInstanceRow> {
  const cluster = await startTandemCluster(instanceCount);
  const workers = cluster.instances.map(() => forkWorker());
  try {
    const room = `multi-${instanceCount}-${Date.now()}`;
    const editsPerClient = Math.max(1, Math.round(MULTI_INSTANCE_EDITS_PER_SECOND * seconds));
    const clientIds = workers.map(() => [] as number[]);
    for (let c = 0; c < typists; c++) clientIds[c % workers.length].push(FIRST_CLIENT_ID + c);
    workers.forEach((worker, i) =>
      worker.child.send({
        type: 'setup',
        endpoint: cluster.instances[i].endpoint,
        rooms: [{ room, clientIds: clientIds[i] }],
        editsPerClient,
        parallel: 16,
      }),
    );
    await Promise.all(workers.map((worker) => worker.next('ready')));
    // Let the instances finish healing the freshly loaded room before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cpu = () => cluster.instances.reduce((sum, instance) => sum + sampleProcess(instance.pid).cpuSeconds, 0);
    const cpuBefore = cpu();

    const startAtMs = monotonicMs() + 300;
    const intervalMs = 1000 / MULTI_INSTANCE_EDITS_PER_SECOND;
    workers.forEach((worker) => worker.child.send({ type: 'start', startAtMs, intervalMs, editsPerClient }));
    const typed = await Promise.all(workers.map((worker) => worker.next<{ lateSends: number }>('typed')));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cpuSeconds = cpu() - cpuBefore;

    workers.forEach((worker) => worker.child.send({ type: 'report' }));
    const reports = await Promise.all(workers.map((worker) => worker.next<TypingWorkerReport>('report')));
    const { sends, latencies } = deliveryLatencies(reports);
    return {
      instances: instanceCount,
      typists,
      seconds,
      sends,
      delivered: Number((latencies.length / (sends * (typists - 1))).toFixed(4)),
      deliveriesPerSecond: Math.round(latencies.length / seconds),
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies.reduce((max, value) => Math.max(max, value), 0)),
      cpuSeconds: round(cpuSeconds),
      lateSends: typed.reduce((sum, item) => sum + item.lateSends, 0),
    };
  } finally {
    await stopWorkers(workers);
    await cluster.stop();
  }
}
