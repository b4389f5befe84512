/**
 * Scenario 4, cold load: a freshly started server holds a room only in its store (the whole
 * automerge-paper document with its history); time from the first client's connect until it
 * has the whole document. The server is restarted before every round; median of the rounds.
 */
import { startBenchServer, type ServerKind } from '../lib/servers';
import { percentile, round } from '../lib/stats';
import { WireClient } from '../lib/wire-client';

export interface ColdLoadRow {
  server: ServerKind;
  storedAs: string;
  rounds: number;
  documentBytes: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export async function measureColdLoad(
  kind: ServerKind,
  storageFile: string,
  room: string,
  storedAs: string,
  expectedBytes: number,
  rounds: number,
): Promise<ColdLoadRow> {
  const times: number[] = [];
  let documentBytes = 0;
  for (let r = 0; r < rounds; r++) {
    const server = await startBenchServer(kind, { storageFile });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const client = new WireClient(server.endpoint, room);
      await client.whenSynced();
      times.push(client.syncedAtMs! - client.openedAtMs);
      documentBytes = client.syncBytes;
      if (documentBytes < expectedBytes * 0.9) throw new Error(`${kind}: cold load returned ${documentBytes} B, expected ~${expectedBytes} B`);
      await client.close();
    } finally {
      await server.stop();
    }
  }
  return {
    server: kind,
    storedAs,
    rounds,
    documentBytes,
    medianMs: round(percentile(times, 50)),
    minMs: round(Math.min(...times)),
    maxMs: round(Math.max(...times)),
  };
}
