/** `stats`: what storage holds in all: rooms, bytes, versions, comment threads. */
import { positionals } from './args';
import type { AdminCommand } from './command';
import { formatBytes } from './format';
import { threadCount } from './room-documents';

export const statsCommand: AdminCommand = {
  name: 'stats',
  summary: 'totals: rooms, bytes, versions, comment threads',
  help: `Usage: npm run admin -- stats [--json]

Counts what storage holds: rooms, bytes (documents, comment threads and history), versions and
comment threads. It reads storage only, so it knows nothing of connections: a running server's
GET /metrics has them (tandem_connections_open, tandem_rooms_loaded).
  --json   one JSON object: { "rooms", "bytes", "versions", "threads" }`,
  options: { json: false },
  async run(context, args) {
    positionals(args, []);
    const storage = await context.storage();
    const rooms = await storage.listRooms();
    let threads = 0;
    for (const room of rooms) threads += await threadCount(storage, room.room);
    const totals = {
      rooms: rooms.length,
      bytes: rooms.reduce((sum, room) => sum + room.bytes, 0),
      versions: rooms.reduce((sum, room) => sum + room.versions, 0),
      threads,
    };
    if (args.options.has('json')) return context.print(JSON.stringify(totals, null, 2));
    context.print(`rooms      ${totals.rooms}`);
    context.print(`stored     ${formatBytes(totals.bytes)} (${totals.bytes} bytes)`);
    context.print(`versions   ${totals.versions}`);
    context.print(`threads    ${totals.threads}`);
    context.print('connections: not known here (this reads storage only; see GET /metrics on a running server)');
  },
};
