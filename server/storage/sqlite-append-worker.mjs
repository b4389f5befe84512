/**
 * The SQLite append worker: its own connection to the database file, so the commit's fsync
 * (synchronous=FULL) blocks this thread instead of the server's event loop. It receives
 * batches of (room, update), inserts each batch in one transaction and answers with the new
 * row ids. Plain JavaScript so it loads the same under tsx, Vitest and plain Node.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, synchronous } = workerData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
db.pragma('busy_timeout = 5000');
const insert = db.prepare('INSERT INTO room_updates (room, data) VALUES (?, ?)');
const insertAll = db.transaction((rooms, updates) =>
  rooms.map((room, i) => Number(insert.run(room, updates[i]).lastInsertRowid)),
);

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const { batch, rooms, updates } = message;
  try {
    parentPort.postMessage({ batch, heads: insertAll(rooms, updates) });
  } catch (error) {
    parentPort.postMessage({ batch, error: error instanceof Error ? error.message : String(error) });
  }
});
