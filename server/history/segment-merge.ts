/**
 * The heavy half of turning log entries into a history segment: their updates merged
 * losslessly (keystroke runs joined), their attributions merged, and what they insert and
 * delete counted. A large log takes as long as a fold, so above FOLD_IN_WORKER_BYTES it runs on
 * the fold worker (document-fold.ts) rather than stall every room.
 */
import * as Y from 'yjs';
import { FOLD_IN_WORKER_BYTES, mergeSegmentOnWorker } from '../document-fold';
import { mergeAttributions } from './attribution';
import { joinItemRuns } from './join-runs';
import { countSegmentChanges } from './segment-stats';

export interface MergedSegment {
  data: Uint8Array;
  attribution: Uint8Array | null;
  inserted: number;
  deleted: number;
}

/** Merges one segment's entries (their updates and attributions, in order) here. */
export function mergeSegmentData(updates: Uint8Array[], attributions: (Uint8Array | null)[]): MergedSegment {
  const data = updates.length === 1 ? updates[0] : joinItemRuns(Y.mergeUpdates(updates));
  return { data, attribution: mergeAttributions(attributions), ...countSegmentChanges(data) };
}

/** Merges one segment's entries, on the fold worker when they are large. */
export async function mergeSegment(updates: Uint8Array[], attributions: (Uint8Array | null)[]): Promise<MergedSegment> {
  const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0);
  if (bytes <= FOLD_IN_WORKER_BYTES) return mergeSegmentData(updates, attributions);
  return mergeSegmentOnWorker(updates, attributions);
}
