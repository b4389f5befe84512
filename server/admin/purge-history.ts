/**
 * `purge-history <room>`: removes old versions (all of them, or those made before a date) and
 * the history only they needed, without changing the document; the newest removed state
 * stays as the history's new oldest version (storage's purgeHistory).
 */
import { materialise } from '../history/materialise';
import { newVersionId } from '../history/version-id';
import { AdminError, optionValue, positionals, UsageError } from './args';
import type { AdminCommand } from './command';
import { requireRoom } from './room-documents';

const DATE = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date (midnight UTC) or date and time with a zone, as ms; a UsageError otherwise. */
export function parseDate(text: string): number {
  const match = DATE.exec(text);
  const ms = match ? Date.parse(match[0].length === 10 ? `${text}T00:00:00Z` : text) : NaN;
  // Date.parse rolls 2026-02-30 over into March: a day that does not exist is refused.
  const day = match?.[1];
  if (!Number.isFinite(ms) || (day && match![0].length === 10 && new Date(ms).toISOString().slice(0, 10) !== day)) {
    throw new UsageError(`--before must be a date like 2026-12-01 or 2026-12-01T09:30:00Z, not "${text}"`);
  }
  return ms;
}

export const purgeHistoryCommand: AdminCommand = {
  name: 'purge-history',
  summary: 'remove old versions and their history, keeping the document as it is',
  help: `Usage: npm run admin -- purge-history <room> [--before <date>]

Removes the room's versions made before the date (all of them without --before) and the history
only they needed. The document itself does not change. The newest removed version's state stays
as the history's oldest version, so the history panel keeps working from there.
  --before <date>   2026-12-01 (midnight UTC) or 2026-12-01T09:30:00Z (any zone)`,
  options: { before: true },
  async run(context, args) {
    const [room] = positionals(args, ['room']);
    const beforeText = optionValue(args, 'before');
    const before = beforeText === undefined ? null : parseDate(beforeText);
    const storage = await context.storage();
    await requireRoom(storage, room);
    const label = new Date(before ?? context.now()).toISOString().slice(0, 10);
    const result = await storage
      .purgeHistory(room, {
        before,
        materialise,
        baseline: ({ seq, createdAt }) => ({
          id: newVersionId(),
          kind: 'auto',
          name: before === null ? `History purged on ${label}` : `History before ${label} purged`,
          createdAt,
          seq,
          authors: [],
          inserted: 0,
          deleted: 0,
          restoredFrom: null,
        }),
      })
      .catch((error: Error) => {
        throw new AdminError(`could not purge the history of ${room}: ${error.message}`);
      });
    if (!result) {
      context.print(before === null ? `room ${room} has no history to purge` : `room ${room} has no version made before ${new Date(before).toISOString()}`);
      return;
    }
    context.print(
      `purged ${result.versionsRemoved} versions, ${result.segmentsRemoved} history segments and ${result.checkpointsRemoved} checkpoints of room ${room}; ` +
        `its history now starts at ${new Date(result.baseline.createdAt).toISOString()} ("${result.baseline.name}")`,
    );
  },
};
