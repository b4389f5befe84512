/** `rooms`: every stored room with its title, size, versions and last change. */
import { TITLE_TEXT_NAME } from '../../lib/protocol/document-schema';
import type { DocumentStorage, RoomSummary } from '../storage';
import { choiceOption, positionals } from './args';
import type { AdminCommand } from './command';
import { formatBytes, formatTime, printable, table } from './format';
import { loadStoredDoc } from './room-documents';

const SORTS = ['date', 'size', 'id'] as const;

/** One listed room, as `--json` prints it. */
export interface ListedRoom {
  room: string;
  /** The document title, '' while it has none. */
  title: string;
  bytes: number;
  versions: number;
  /** ISO 8601, or null when storage holds no time for the room (stored before times were kept). */
  lastChange: string | null;
}

const ORDER: Record<(typeof SORTS)[number], (a: RoomSummary, b: RoomSummary) => number> = {
  // Newest first; rooms without a time last.
  date: (a, b) => (b.lastChangeAt ?? -1) - (a.lastChangeAt ?? -1),
  size: (a, b) => b.bytes - a.bytes,
  id: (a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0),
};

async function titleOf(storage: DocumentStorage, room: string): Promise<string> {
  const doc = await loadStoredDoc(storage, room);
  try {
    return doc.getText(TITLE_TEXT_NAME).toString().trim();
  } finally {
    doc.destroy();
  }
}

export const roomsCommand: AdminCommand = {
  name: 'rooms',
  summary: 'list the stored rooms: id, title, size, versions, last change',
  help: `Usage: npm run admin -- rooms [--sort date|size|id] [--json]

Lists every room that holds a document.
  --sort date   newest change first (the default); size: largest first; id: by room id
  --json        one JSON array: [{ "room", "title", "bytes", "versions", "lastChange" }]

Size counts everything stored under the room: its document, comment threads and history.`,
  options: { sort: true, json: false },
  async run(context, args) {
    positionals(args, []);
    const sort = choiceOption(args, 'sort', SORTS, 'date');
    const storage = await context.storage();
    const summaries = (await storage.listRooms()).sort(ORDER[sort]);
    const rooms: ListedRoom[] = [];
    for (const summary of summaries) {
      rooms.push({
        room: summary.room,
        title: await titleOf(storage, summary.room),
        bytes: summary.bytes,
        versions: summary.versions,
        lastChange: summary.lastChangeAt === null ? null : new Date(summary.lastChangeAt).toISOString(),
      });
    }
    if (args.options.has('json')) return context.print(JSON.stringify(rooms, null, 2));
    if (rooms.length === 0) return context.print('no rooms are stored');
    const rows = rooms.map((room, index) => [
      room.room,
      printable(room.title || '(untitled)', 40),
      formatBytes(room.bytes),
      String(room.versions),
      formatTime(summaries[index].lastChangeAt),
    ]);
    for (const line of table(['ROOM', 'TITLE', 'SIZE', 'VERSIONS', 'LAST CHANGE'], rows, new Set([2, 3]))) context.print(line);
  },
};
