/**
 * Scenario 5, ingest: one client sends automerge-paper's edits, one update per keystroke, as
 * fast as the server takes them (at most WINDOW ahead of what the server has acknowledged),
 * against plain in-process Y.applyUpdate of the same updates — the physical limit. For Tandem
 * "taken" means stored (SAVED ack, synchronous=FULL).
 */
import * as Y from 'yjs';
import { startBenchServer, sampleProcess, type BenchServer, type ServerKind } from '../lib/servers';
import { percentile, round } from '../lib/stats';
import { monotonicMs, WireClient } from '../lib/wire-client';

/** Updates in flight: enough to keep the server busy, bounded so nothing queues without limit. */
const WINDOW = 2_000;

export interface IngestRow {
  server: ServerKind;
  edits: number;
  /** Updates the observer received before the time cap. */
  ingested: number;
  seconds: number;
  updatesPerSecond: number;
  /** updates/s ÷ plain Y.applyUpdate updates/s. */
  ofPlainLimit: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** Hocuspocus with SQLite: how often it stored the whole document (its store storm). */
  stores: number | null;
}

/** Plain Y.applyUpdate of every update into a fresh doc: updates/s, median of `rounds`. */
export function measurePlainApply(updates: Uint8Array[], rounds: number): number {
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const doc = new Y.Doc();
    const started = performance.now();
    for (const update of updates) Y.applyUpdate(doc, update);
    rates.push(updates.length / ((performance.now() - started) / 1000));
    doc.destroy();
  }
  return percentile(rates, 50);
}

/**
 * Sends every update through `server` with a bounded window, paced by the server's own word
 * that it has taken them: Tandem's SAVED ack (stored), Hocuspocus' per-update SyncStatus, the
 * reference server's echo of each update to its sender. Resolves with what got through.
 */
export async function ingest(server: BenchServer, room: string, updates: Uint8Array[], maxSeconds: number) {
  // Our own empty sync step 2 is a document message too; Tandem and Hocuspocus acknowledge it.
  const handshakeAcks = server.kind === 'y-websocket' ? 0 : 1;
  let taken = -handshakeAcks;
  let wake: (() => void) | null = null;
  const progress = (count: number) => {
    taken = count;
    wake?.();
  };
  const sender = new WireClient(
    server.endpoint,
    room,
    {
      onSaved: (count) => progress(count - handshakeAcks),
      onSyncStatus: () => progress(taken + 1),
      onUpdateFrame: server.kind === 'y-websocket' ? () => progress(taken + 1) : undefined,
    },
    { savedAcks: server.kind === 'tandem' },
  );
  await sender.whenSynced();
  const startedMs = monotonicMs();
  const deadlineMs = startedMs + maxSeconds * 1000;
  let sent = 0;
  while (sent < updates.length && monotonicMs() < deadlineMs) {
    while (sent < updates.length && sent - taken < WINDOW) sender.sendUpdate(updates[sent++]);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1_000);
    });
    wake = null;
  }
  while (taken < sent && monotonicMs() < deadlineMs + 30_000) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (monotonicMs() - startedMs) / 1000;
  await sender.close();
  return { ingested: Math.max(0, taken), seconds };
}

export async function measureIngest(
  kind: ServerKind,
  updates: Uint8Array[],
  plainPerSecond: number,
  maxSeconds: number,
): Promise<IngestRow & { storageFile: string | null; room: string }> {
  const server = await startBenchServer(kind);
  const room = `ingest-${Date.now()}`;
  let row: IngestRow;
  try {
    const cpuBefore = sampleProcess(server.pid).cpuSeconds;
    const { ingested, seconds } = await ingest(server, room, updates, maxSeconds);
    const after = sampleProcess(server.pid);
    const updatesPerSecond = ingested / seconds;
    row = {
      server: kind,
      edits: updates.length,
      ingested,
      seconds: round(seconds),
      updatesPerSecond: Math.round(updatesPerSecond),
      ofPlainLimit: round(updatesPerSecond / plainPerSecond),
      cpuSeconds: round(after.cpuSeconds - cpuBefore),
      peakRssMiB: Math.round(after.peakRssMiB),
      stores: null,
    };
  } finally {
    await server.stop();
  }
  if (kind === 'hocuspocus-sqlite') row.stores = storeCount(server.output());
  return { ...row, storageFile: server.storageFile, room };
}

/** The store count hocuspocus-server.mjs prints when it stops. */
export function storeCount(output: string): number | null {
  const match = /"stores":(\d+)/.exec(output);
  return match ? Number(match[1]) : null;
}
