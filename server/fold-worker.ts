/** The fold worker thread (document-fold.ts): folds stored updates into a snapshot, off the event loop. */
import { parentPort } from 'node:worker_threads';
import { foldIntoSnapshot, type FoldRequest, type FoldResponse } from './document-fold';

parentPort!.on('message', ({ id, updates, maxNestingDepth }: FoldRequest) => {
  let response: FoldResponse;
  try {
    response = { id, snapshot: foldIntoSnapshot(updates, maxNestingDepth) };
  } catch (error) {
    response = { id, error: (error as Error).message };
  }
  parentPort!.postMessage(response);
});
