/**
 * Stored size after compaction: one client sends every automerge-paper edit (one update per
 * keystroke, as fast as the server acknowledges them), leaves, and the room is compacted on
 * unload. Compares the bytes in SQLite with Y.encodeStateAsUpdate of the same document.
 */
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { databaseFile, startServer, tempDatabaseUrl } from '../../test/support/server-process';
import { AckTimingClient } from '../lib/raw-client';
import { round } from '../lib/stats';
import { sequentialUpdates } from '../lib/traces';

export interface StorageRatioResult {
  edits: number;
  ingestSeconds: number;
  ingestUpdatesPerSecond: number;
  logBytesBeforeCompaction: number;
  storedBytesAfterCompaction: number;
  encodedStateBytes: number;
  ratio: number;
}

function storedBytes(databaseUrl: string, room: string): { log: number; snapshot: number } {
  const db = new Database(databaseFile(databaseUrl), { readonly: true });
  try {
    const sum = (sql: string) => (db.prepare(sql).get(room) as { n: number | null }).n ?? 0;
    return {
      log: sum('SELECT SUM(LENGTH(data)) AS n FROM room_updates WHERE room = ?'),
      snapshot: sum('SELECT SUM(LENGTH(data)) AS n FROM room_snapshots WHERE room = ?'),
    };
  } finally {
    db.close();
  }
}

export async function measureStorageRatio(edits: number): Promise<StorageRatioResult> {
  const { updates, doc } = sequentialUpdates('automerge-paper.json.gz', edits);
  const databaseUrl = tempDatabaseUrl();
  // Compaction only on unload, so the log's own size is visible before it.
  const server = await startServer({ databaseUrl, env: { LOG_LEVEL: 'info', COMPACT_AFTER_UPDATES: '100000000' } });
  try {
    const room = `bench-storage-${Date.now()}`;
    const client = await AckTimingClient.connect(server.syncUrl, room);
    const started = performance.now();
    for (const update of updates) {
      client.sendUpdate(update);
      if (client.sent % 512 === 0) await client.waitForBacklogBelow(2_048);
    }
    await client.waitForAllAcked();
    const ingestSeconds = (performance.now() - started) / 1000;
    const before = storedBytes(databaseUrl, room);
    client.close();
    const deadline = Date.now() + 60_000;
    while (storedBytes(databaseUrl, room).log > 0) {
      if (Date.now() > deadline) throw new Error('room was not compacted on unload');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = storedBytes(databaseUrl, room);
    const encodedStateBytes = Y.encodeStateAsUpdate(doc).byteLength;
    return {
      edits: updates.length,
      ingestSeconds: round(ingestSeconds),
      ingestUpdatesPerSecond: Math.round(updates.length / ingestSeconds),
      logBytesBeforeCompaction: before.log + before.snapshot,
      storedBytesAfterCompaction: after.log + after.snapshot,
      encodedStateBytes,
      ratio: round((after.log + after.snapshot) / encodedStateBytes),
    };
  } finally {
    await server.stop();
  }
}
