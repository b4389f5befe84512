/**
 * `delete <room>`: removes a room for good, with its history, versions, comment threads, links,
 * settings and authorship, and leaves a tombstone so its ids are refused from then on.
 * Running servers close the room's connections with 4404 within a second (room-deletion.ts);
 * with REDIS_URL, the deletion is also announced to every instance at once.
 */
import { createInterface } from 'node:readline/promises';
import { announceRoomDeleted } from '../scale/announce-deletion';
import { AdminError, positionals } from './args';
import type { AdminCommand } from './command';
import type { AdminContext } from './context';
import { formatBytes } from './format';
import { requireRoom } from './room-documents';

/** Asks on the terminal; true only for "y" or "yes". */
async function confirmed(context: AdminContext, question: string): Promise<boolean> {
  const prompt = createInterface({ input: context.io.stdin, output: context.io.stderr });
  try {
    return /^(y|yes)$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export const deleteCommand: AdminCommand = {
  name: 'delete',
  summary: 'delete a room for good (document, history, comments, links); its ids stay refused',
  help: `Usage: npm run admin -- delete <room> [--yes]

Removes everything stored under the room: its document, history and versions, comment threads,
view and comment links, settings and authorship. This cannot be undone (restore a backup).
The room id and its view and comment ids are refused from then on: connected clients are closed
with 4404 within a second, and a browser that held an offline copy removes it instead of
sending it back. With REDIS_URL set, every instance hears of it at once.
  --yes   do not ask first (needed when stdin is not a terminal)`,
  options: { yes: false },
  async run(context, args) {
    const [room] = positionals(args, ['room']);
    const storage = await context.storage();
    await requireRoom(storage, room);
    if (!args.options.has('yes')) {
      if (!context.io.stdin.isTTY) throw new AdminError('refusing to delete without --yes: stdin is not a terminal to ask on');
      const summary = (await storage.listRooms()).find((candidate) => candidate.room === room);
      const size = summary ? ` (${formatBytes(summary.bytes)}, ${summary.versions} versions)` : '';
      if (!(await confirmed(context, `Delete room ${room}${size} for good? [y/N] `))) throw new AdminError('not deleted');
    }
    const { deletedAt } = await storage.deleteRoom(room, context.now());
    context.print(`deleted room ${room} at ${new Date(deletedAt).toISOString()}; its ids are refused from now on`);
    if (!context.config.redisUrl) return;
    try {
      const heard = await announceRoomDeleted(context.config.redisUrl, room, context.config.redisTimeoutMs);
      context.print(`announced to ${heard} instance${heard === 1 ? '' : 's'} through Redis`);
    } catch (error) {
      // Deleted all the same: the instances find the tombstone within a second.
      context.io.stderr.write(`could not announce the deletion through Redis (${(error as Error).message}); running servers notice within a second anyway\n`);
    }
  },
};
