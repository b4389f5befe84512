/**
 * Who wrote the text a restore re-creates: the revert copies deleted items under the restore's
 * own client id (bound to whoever restored), and names the item each copy copies
 * (RestoredRange). These attribution overrides give each copy back to the author of its
 * original, following earlier overrides when the original is itself a restore's copy, so
 * "Show authors" colours restored text as Etherpad does: by who wrote it, not who restored it.
 */
import { OverrideIndex } from '../../lib/protocol/override-index';
import type { AttributionOverride } from '../storage';
import type { RestoredRange } from './revert';

export interface RestoredAuthorsInput {
  /** The client id the restore's update writes with. */
  restoreClient: number;
  /** The restore's copies, in copy clock order (computeRestore). */
  restored: readonly RestoredRange[];
  /** The author bound to a client id, if any (the room's bindings). */
  authorOf: (client: number) => string | undefined;
  /** The room's overrides so far. */
  earlier: OverrideIndex;
  /** Whoever restored: their copies need no override (the binding names them already). */
  restorer: string;
}

/**
 * The overrides for one restore's copies, adjacent ranges of one author joined. A copy whose
 * original author is unknown (text from before history was kept) stays the restorer's.
 */
export function restoredAuthorOverrides({ restoreClient, restored, authorOf, earlier, restorer }: RestoredAuthorsInput): AttributionOverride[] {
  const overrides: AttributionOverride[] = [];
  for (const range of restored) {
    let clock = range.clock;
    const copy = (overridden: string | null, length: number) => {
      const author = overridden ?? authorOf(range.originalClient);
      if (author !== undefined && author !== restorer) {
        const last = overrides[overrides.length - 1];
        if (last && last.authorId === author && last.clock + last.length === clock) last.length += length;
        else overrides.push({ clientId: restoreClient, clock, length, authorId: author });
      }
      clock += length;
    };
    if (!earlier.forEachPiece(range.originalClient, range.originalClock, range.length, copy)) copy(null, range.length);
  }
  return overrides;
}

/** The room's stored overrides as an index. */
export function overrideIndexOf(overrides: readonly AttributionOverride[]): OverrideIndex {
  return new OverrideIndex(overrides.map(({ clientId, clock, length, authorId }) => ({ client: clientId, clock, length, author: authorId })));
}
