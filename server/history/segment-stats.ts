/**
 * How much one history segment changed, counted from its merged update alone (no document):
 * the numbers a version shows as "+inserted −deleted".
 *
 * - `inserted`: characters the segment creates and does not delete again itself. A string
 *   counts its UTF-16 length (Yjs' own unit), an embed or a block element (paragraph, heading,
 *   image…) counts 1; format marks, attributes (map entries) and text containers count 0.
 * - `deleted`: Yjs clock units the segment deletes of content older than itself. The segment
 *   does not hold that content, so what each unit was is unknown: a character, but also a
 *   removed format mark, a replaced attribute (a heading's level) or a deleted block counts 1.
 *
 * Text typed and erased within one segment counts in neither. Per version these are sums over
 * its segments, so text typed in one segment and erased in a later one of the same version
 * counts in both.
 */
import * as Y from 'yjs';

export interface SegmentChanges {
  inserted: number;
  deleted: number;
}

/** Sorted, disjoint clock ranges of one client (a delete set's, or what a segment creates). */
type ClockRanges = readonly { clock: number; len: number }[];

/** Counts what a merged update (v1) inserts and deletes; see the file comment for the units. */
export function countSegmentChanges(update: Uint8Array): SegmentChanges {
  const { structs, ds } = Y.decodeUpdate(update);
  // Clock ranges the segment creates, per client (its structs come sorted by client, then clock).
  const created = new Map<number, { clock: number; len: number }[]>();
  let inserted = 0;
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    const { client, clock } = struct.id;
    const ranges = created.get(client);
    const last = ranges?.at(-1);
    if (last && last.clock + last.len === clock) last.len += struct.length;
    else if (ranges) ranges.push({ clock, len: struct.length });
    else created.set(client, [{ clock, len: struct.length }]);
    if (!(struct instanceof Y.Item)) continue;
    const countable = countableLength(struct);
    if (countable === 0) continue;
    const deletes = ds.clients.get(client);
    // A countable item's clock units are its characters, one each.
    inserted += countable - (deletes ? overlap(deletes, clock, clock + struct.length) : 0);
  }
  let deleted = 0;
  for (const [client, deletes] of ds.clients) {
    const own = created.get(client);
    for (const { clock, len } of deletes) {
      deleted += len - (own ? overlap(own, clock, clock + len) : 0);
    }
  }
  return { inserted, deleted };
}

/** Characters an item adds to a document's text (0 for structure and formatting). */
function countableLength(item: Y.Item): number {
  if (item.parentSub !== null) return 0;
  const content = item.content;
  if (content instanceof Y.ContentString || content instanceof Y.ContentEmbed || content instanceof Y.ContentAny) return item.length;
  if (content instanceof Y.ContentJSON || content instanceof Y.ContentBinary) return item.length;
  if (content instanceof Y.ContentType) return content.type instanceof Y.XmlElement ? 1 : 0;
  return 0;
}

/** Clock units of [from, to) inside the ranges. */
function overlap(deletes: ClockRanges, from: number, to: number): number {
  let low = 0;
  let high = deletes.length;
  // First range that ends after `from`.
  while (low < high) {
    const mid = (low + high) >> 1;
    if (deletes[mid].clock + deletes[mid].len <= from) low = mid + 1;
    else high = mid;
  }
  let total = 0;
  for (let i = low; i < deletes.length && deletes[i].clock < to; i++) {
    total += Math.min(to, deletes[i].clock + deletes[i].len) - Math.max(from, deletes[i].clock);
  }
  return total;
}
