/**
 * The document as it was at a version: the newest checkpoint at or before it, then the
 * segments after that checkpoint through the version's, applied in one transaction to a fresh
 * doc (gc on, like a live room: what a version shows never needs deleted content).
 */
import * as Y from 'yjs';
import type { HistoryPieces } from '../storage';

/** Throws unless the segments follow the checkpoint (or the start) one after another; returns the last seq. */
export function checkPiecesInOrder(pieces: HistoryPieces): number {
  let previousSeq = pieces.checkpoint?.seq ?? 0;
  for (const segment of pieces.segments) {
    if (segment.seq !== previousSeq + 1) {
      throw new Error(`history pieces out of order: segment ${segment.seq} follows ${previousSeq}`);
    }
    previousSeq = segment.seq;
  }
  return previousSeq;
}

/** The state at the pieces' version as a Y.Doc (the caller destroys it). */
export function materialiseDoc(pieces: HistoryPieces): Y.Doc {
  const previousSeq = checkPiecesInOrder(pieces);
  const doc = new Y.Doc();
  try {
    Y.transact(doc, () => {
      if (pieces.checkpoint) Y.applyUpdate(doc, pieces.checkpoint.data);
      for (const segment of pieces.segments) Y.applyUpdate(doc, segment.data);
    });
  } catch (error) {
    doc.destroy();
    throw new Error(`history would not materialise: ${(error as Error).message}`);
  }
  // Structs or deletions waiting for what no piece holds: a segment or checkpoint is missing.
  if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
    doc.destroy();
    throw new Error(`history is incomplete: segments through ${previousSeq} depend on changes none of them holds`);
  }
  return doc;
}

/** The state at the pieces' version as one v1 update (what `Y.applyUpdate` reads). */
export function materialise(pieces: HistoryPieces): Uint8Array {
  const doc = materialiseDoc(pieces);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
