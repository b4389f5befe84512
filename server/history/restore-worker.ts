/** The restore worker thread (restore.ts): one revert, off the event loop, then it is stopped. */
import { parentPort, workerData } from 'node:worker_threads';
import type { RevertRequest, RevertResponse } from './restore';
import { revertToVersion } from './revert';

const { live, target, clientId } = workerData as RevertRequest;
let response: RevertResponse;
try {
  response = revertToVersion(live, target, clientId);
} catch (error) {
  response = { error: (error as Error).message };
}
parentPort!.postMessage(response);
