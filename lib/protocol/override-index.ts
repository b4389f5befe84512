/**
 * Attribution overrides looked up by client id and clock: a restore re-creates earlier text as
 * new items under its own client id (bound to whoever restored), and each override range says
 * whose text a stretch of that client's clocks copies (AuthorshipResponse.overrides). The
 * server reads them to follow a copy of a copy back to its author
 * (server/history/restored-authors.ts); "Show authors" reads them to colour restored text as
 * its original author's (lib/authorship/author-directory.ts).
 */

/** Clocks [clock, clock + length) of `client` are `author`'s text. */
export interface OverrideRange {
  client: number;
  clock: number;
  length: number;
  author: string;
}

/** One client's ranges: disjoint, in clock order, as parallel arrays for the binary search. */
interface ClientRanges {
  starts: number[];
  ends: number[];
  authors: string[];
}

export class OverrideIndex {
  private readonly byClient = new Map<number, ClientRanges>();

  constructor(ranges: Iterable<OverrideRange>) {
    const grouped = new Map<number, OverrideRange[]>();
    for (const range of ranges) {
      if (!(range.length > 0)) continue;
      const list = grouped.get(range.client);
      if (list) list.push(range);
      else grouped.set(range.client, [range]);
    }
    grouped.forEach((list, client) => {
      list.sort((a, b) => a.clock - b.clock);
      const entry: ClientRanges = { starts: [], ends: [], authors: [] };
      for (const { clock, length, author } of list) {
        // Overlaps never come from one restore; should they appear, the earlier range keeps its clocks.
        const start = Math.max(clock, entry.ends.at(-1) ?? clock);
        const end = clock + length;
        if (start >= end) continue;
        entry.starts.push(start);
        entry.ends.push(end);
        entry.authors.push(author);
      }
      this.byClient.set(client, entry);
    });
  }

  /** Whether some range names `client` (most clients have none: one Map lookup). */
  covers(client: number): boolean {
    return this.byClient.has(client);
  }

  /**
   * Calls `visit` with the authors of `client`'s clocks [clock, clock + length), split at
   * range edges, in clock order (null for clocks no range covers); returns false, calling it
   * never, when no range touches them. A binary search, then one call per piece.
   */
  forEachPiece(client: number, clock: number, length: number, visit: (author: string | null, length: number) => void): boolean {
    const entry = this.byClient.get(client);
    if (!entry) return false;
    const { starts, ends, authors } = entry;
    const end = clock + length;
    // The first range ending after `clock`.
    let low = 0;
    let high = ends.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (ends[middle] <= clock) low = middle + 1;
      else high = middle;
    }
    if (low === ends.length || starts[low] >= end) return false;
    let at = clock;
    for (let i = low; i < ends.length && starts[i] < end; i++) {
      if (starts[i] > at) {
        visit(null, starts[i] - at);
        at = starts[i];
      }
      const stop = Math.min(ends[i], end);
      visit(authors[i], stop - at);
      at = stop;
    }
    if (at < end) visit(null, end - at);
    return true;
  }
}
