/**
 * The fold worker thread (document-fold.ts): folds stored updates into a snapshot, and merges
 * a compaction's history segments (history/segment-merge.ts), off the event loop.
 */
import { parentPort } from 'node:worker_threads';
import { foldIntoSnapshot, type FoldRequest, type FoldResponse } from './document-fold';
import { mergeSegmentData } from './history/segment-merge';

parentPort!.on('message', (request: FoldRequest) => {
  let response: FoldResponse;
  try {
    const result =
      request.kind === 'fold' ? foldIntoSnapshot(request.updates, request.maxNestingDepth) : mergeSegmentData(request.updates, request.attributions);
    response = { id: request.id, result };
  } catch (error) {
    response = { id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(response);
});
