/**
 * Who deleted what: per-author Yjs delete sets, in the compact binary form a log entry and a
 * history segment store (AppendMeta.attribution, HistorySegment.attribution). Insertions need
 * no record here: an inserted item's client id is bound to its author (ClientBinding). A
 * deletion carries no client id of its deleter, so the server notes who sent it.
 *
 * Format (lib0 encoding): varUint author count, then per author a varString id and a
 * varUint8Array holding `Y.encodeSnapshot(Y.createSnapshot(ds, new Map()))`, Yjs' own
 * delete-set encoding (followed by an empty state vector), so the browser decodes each one
 * with `Y.decodeSnapshot(bytes).ds` (lib/protocol/history-api.ts AuthorshipResponse).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** A Yjs delete set, as `Y.decodeUpdate(update).ds` returns it. */
export type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds'];

/** One message of a log entry: who sent it and what it deletes. */
export interface DeletionPart {
  authorId: string;
  ds: DeleteSet;
}

const EMPTY_STATE_VECTOR = new Map<number, number>();

/**
 * Encodes the deletions of one log entry per author; null when nothing is deleted (most
 * keystrokes), which costs one size check per part.
 */
export function attributeDeletions(parts: DeletionPart[]): Uint8Array | null {
  // One message per entry is the common case: no grouping needed.
  if (parts.length === 1) {
    const [{ authorId, ds }] = parts;
    return ds.clients.size === 0 ? null : encodeAttribution(new Map([[authorId, [ds]]]));
  }
  let byAuthor: Map<string, DeleteSet[]> | null = null;
  for (const { authorId, ds } of parts) {
    if (ds.clients.size === 0) continue;
    byAuthor ??= new Map();
    const sets = byAuthor.get(authorId);
    if (sets) sets.push(ds);
    else byAuthor.set(authorId, [ds]);
  }
  if (!byAuthor) return null;
  return encodeAttribution(byAuthor);
}

/** Merges the attributions of several entries (or segments) into one; null when all are null. */
export function mergeAttributions(list: (Uint8Array | null)[]): Uint8Array | null {
  const present = list.filter((bytes): bytes is Uint8Array => bytes !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0];
  const byAuthor = new Map<string, DeleteSet[]>();
  for (const bytes of present) {
    for (const [authorId, ds] of decodeAttribution(bytes)) {
      const sets = byAuthor.get(authorId);
      if (sets) sets.push(ds);
      else byAuthor.set(authorId, [ds]);
    }
  }
  return encodeAttribution(byAuthor);
}

/** Each author's deletions. Throws a clear error on bytes that are not an attribution. */
export function decodeAttribution(bytes: Uint8Array): Map<string, DeleteSet> {
  const result = new Map<string, DeleteSet>();
  try {
    const decoder = decoding.createDecoder(bytes);
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const authorId = decoding.readVarString(decoder);
      const ds = Y.decodeSnapshot(decoding.readVarUint8Array(decoder)).ds;
      const earlier = result.get(authorId);
      result.set(authorId, earlier ? Y.mergeDeleteSets([earlier, ds]) : ds);
    }
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
  } catch (error) {
    throw new Error(`not a deletion attribution: ${(error as Error).message}`);
  }
  return result;
}

/** One author's deletions as `Y.encodeSnapshot` bytes (what AuthorshipResponse ships, base64). */
export function encodeDeleteSet(ds: DeleteSet): Uint8Array {
  return Y.encodeSnapshot(Y.createSnapshot(ds, EMPTY_STATE_VECTOR));
}

function encodeAttribution(byAuthor: Map<string, DeleteSet[]>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, byAuthor.size);
  for (const [authorId, sets] of byAuthor) {
    encoding.writeVarString(encoder, authorId);
    // mergeDeleteSets also sorts and joins the ranges, which a lone decoded set already is.
    encoding.writeVarUint8Array(encoder, encodeDeleteSet(sets.length === 1 ? sets[0] : Y.mergeDeleteSets(sets)));
  }
  return encoding.toUint8Array(encoder);
}
