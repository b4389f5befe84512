/**
 * Restoring a version: the forward change that turns the live document back into it
 * (revert.ts). The revert runs on a worker thread of its own with a time budget, since on a
 * large, long-edited document it takes up to about a second of CPU, which would hold up every
 * room; past the budget, or if it fails, the worker is stopped and the restore falls back to
 * a replace, which costs about as much as loading the document once.
 */
import { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import { replaceWithVersion, type RestoredRange } from './revert';

/** How long a revert may run before the restore replaces instead. */
export const RESTORE_BUDGET_MS = 5_000;

export interface RestoreOptions {
  budgetMs?: number;
  /** The client id to write with (bind it to the restorer); a fresh one when absent or taken. */
  clientId?: number;
}

export interface RestoreResult {
  /** v1 update that makes the live document's body and title the version's. */
  update: Uint8Array;
  method: 'revert' | 'replace';
  /** The client id the update writes with (new to the live document). */
  clientId: number;
  /** Re-created copies of earlier items and their original client ids (revert only). */
  restored: RestoredRange[];
  /** Why the revert was given up for a replace. */
  fallbackReason?: string;
}

/** What the worker is asked, and what it answers. */
export interface RevertRequest {
  live: Uint8Array;
  target: Uint8Array;
  clientId: number;
}
export type RevertResponse = { update: Uint8Array; restored: RestoredRange[] } | { error: string };

/**
 * Computes the restore of `target` (a materialised version, v1) over `live` (the live
 * document's state, v1). Applying the update to the live document, before or after edits
 * made meanwhile, makes its body and title the version's (edits made meanwhile are kept).
 */
export async function computeRestore(live: Uint8Array, target: Uint8Array, options: RestoreOptions = {}): Promise<RestoreResult> {
  const clientId = unusedClientId(live, options.clientId);
  try {
    const { update, restored } = await revertOnWorker({ live, target, clientId }, options.budgetMs ?? RESTORE_BUDGET_MS);
    return { update, method: 'revert', clientId, restored };
  } catch (error) {
    return { update: replaceWithVersion(live, target, clientId), method: 'replace', clientId, restored: [], fallbackReason: (error as Error).message };
  }
}

/** `wanted` if the live document has never seen it, else a fresh random one that it has not. */
export function unusedClientId(live: Uint8Array, wanted?: number): number {
  const seen = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(live));
  let clientId = wanted ?? new Y.Doc().clientID;
  while (seen.has(clientId)) clientId = new Y.Doc().clientID;
  return clientId;
}

/** Runs revertToVersion on a new worker, stopped when done or when the budget runs out. */
function revertOnWorker(request: RevertRequest, budgetMs: number): Promise<{ update: Uint8Array; restored: RestoredRange[] }> {
  // The server runs from TypeScript under tsx; a worker has to register tsx itself first.
  const entry = new URL('./restore-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true, name: 'tandem-restore', workerData: request });
  let timer: NodeJS.Timeout | undefined;
  return new Promise<{ update: Uint8Array; restored: RestoredRange[] }>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the revert took longer than ${budgetMs} ms`)), budgetMs);
    worker.once('message', (response: RevertResponse) => {
      if ('error' in response) reject(new Error(`the revert failed: ${response.error}`));
      else resolve(response);
    });
    worker.once('error', (error) => reject(new Error(`the revert worker failed: ${error.message}`)));
    worker.once('exit', (code) => reject(new Error(`the revert worker exited with code ${code}`)));
  }).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
}
