/**
 * Hocuspocus as a self-hoster runs it, for the benchmark only: `node hocuspocus-server.mjs`
 * with HOST, PORT and optionally SQLITE_FILE (then @hocuspocus/extension-sqlite stores
 * documents there with its default debounce; otherwise documents live in memory).
 * Prints `listening` once ready, and on exit how often it stored a document (to spot the
 * store storm of 3.4–4.1).
 */
import { Server } from '@hocuspocus/server';
import { SQLite } from '@hocuspocus/extension-sqlite';

const sqliteFile = process.env.SQLITE_FILE;
let stores = 0;
const extensions = [];
if (sqliteFile) {
  extensions.push(new SQLite({ database: sqliteFile }));
  extensions.push({ async onStoreDocument() { stores += 1; } });
}

const server = new Server(
  {
    port: Number(process.env.PORT ?? 1234),
    address: process.env.HOST ?? '127.0.0.1',
    quiet: true,
    stopOnSignals: false,
    extensions,
  },
  { perMessageDeflate: false },
);

async function stop() {
  await server.destroy();
  console.log(JSON.stringify({ msg: 'stopped', stores }));
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await server.listen();
console.log(JSON.stringify({ msg: 'listening', port: server.address?.port ?? Number(process.env.PORT) }));
