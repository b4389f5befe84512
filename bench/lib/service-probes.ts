/**
 * What an honest newcomer sees of a server while something else goes on: `/healthz` asked
 * again and again (one request at a time, each on a new connection), and a new client
 * opening a room nobody has opened yet, once a second (time until synced, or why not).
 */
import http from 'node:http';
import { monotonicMs, WireClient, type Endpoint } from './wire-client';

/** Give up on one probe after this long (counted as failed). */
const PROBE_TIMEOUT_MS = 5_000;

export interface ProbeSummary {
  healthzRequests: number;
  healthzFailed: number;
  healthzMaxMs: number;
  joins: number;
  joinsSynced: number;
  joinMaxMs: number;
  /** Why joins failed ("4508", "timeout", an error), with counts. */
  joinFailures: Record<string, number>;
}

function healthz(port: number): Promise<number | null> {
  const started = monotonicMs();
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode === 200 ? monotonicMs() - started : null));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', () => resolve(null));
  });
}

async function join(endpoint: Endpoint, room: string): Promise<{ ms: number } | { failure: string }> {
  const client = new WireClient(endpoint, room);
  const started = monotonicMs();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.whenSynced(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS))),
    ]);
    return { ms: monotonicMs() - started };
  } catch (error) {
    const message = (error as Error).message;
    return { failure: /closed \((\d+)\)/.exec(message)?.[1] ?? (message.includes('timeout') ? 'timeout' : message.slice(0, 40)) };
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

/** Probes `port` until the returned stop function is called; that resolves with the summary. */
export function startProbes(port: number, endpoint: Endpoint, roomPrefix: string): () => Promise<ProbeSummary> {
  let stopping = false;
  const summary: ProbeSummary = { healthzRequests: 0, healthzFailed: 0, healthzMaxMs: 0, joins: 0, joinsSynced: 0, joinMaxMs: 0, joinFailures: {} };
  const healthzLoop = (async () => {
    while (!stopping) {
      const ms = await healthz(port);
      summary.healthzRequests++;
      if (ms === null) summary.healthzFailed++;
      else summary.healthzMaxMs = Math.max(summary.healthzMaxMs, ms);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const joinLoop = (async () => {
    for (let i = 0; !stopping; i++) {
      const result = await join(endpoint, `${roomPrefix}-${i}`);
      summary.joins++;
      if ('ms' in result) {
        summary.joinsSynced++;
        summary.joinMaxMs = Math.max(summary.joinMaxMs, result.ms);
      } else {
        summary.joinFailures[result.failure] = (summary.joinFailures[result.failure] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();
  return async () => {
    stopping = true;
    await Promise.all([healthzLoop, joinLoop]);
    return summary;
  };
}
