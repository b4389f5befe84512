/**
 * Version history, in process (Tandem only, no server): automerge-paper typed as 1,000
 * versions, stored as log entries and compacted every 500 entries with the history planner
 * (test/support/paper-history.ts). Measures what history costs to keep (segment and
 * checkpoint bytes against the gc:false document, which holds the same history inside), to
 * open (materialise any version), to restore (the revert, in process, for random pairs of
 * version and "now"), and per keystroke on the write path (attributing deletions and looking
 * up the sender's client-id bindings).
 */
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { attributeDeletions } from '../../server/history/attribution';
import { materialise, materialiseDoc } from '../../server/history/materialise';
import { computeRestore, unusedClientId } from '../../server/history/restore';
import { revertToVersion } from '../../server/history/revert';
import { buildPaperHistory, documentDigest } from '../../test/support/paper-history';
import { percentile, round } from '../lib/stats';
import { sequentialUpdates } from '../lib/traces';

export interface HistoryPlan {
  versions: number;
  /** Trace transactions per log entry (1: every keystroke its own entry, as one typist makes them). */
  editsPerEntry: number;
  compactEvery: number;
  /** Versions materialised (evenly spread; all when ≥ versions). */
  materialiseSamples: number;
  restorePairs: number;
  /** Keystroke updates attributed. */
  attributionUpdates: number;
}

export interface HistoryResult {
  versions: number;
  edits: number;
  logEntries: number;
  buildSeconds: number;
  segments: number;
  segmentBytes: number;
  checkpoints: number;
  checkpointBytes: number;
  gcFalseDocBytes: number;
  gcTrueDocBytes: number;
  segmentsVsGcFalse: number;
  withCheckpointsVsGcFalse: number;
  materialised: number;
  materialiseCorrect: number;
  materialiseP50Ms: number;
  materialiseP99Ms: number;
  materialiseMaxMs: number;
  restorePairs: number;
  restoreCorrect: number;
  restoreP50Ms: number;
  restoreP99Ms: number;
  restoreMaxMs: number;
  restoreUpdateP50Bytes: number;
  /** One computeRestore end to end (worker start included). */
  restoreOnWorkerMs: number;
  attributedUpdates: number;
  attributionMicrosPerUpdate: number;
  attributionMicrosPerDeletingUpdate: number;
}

export async function measureHistory(plan: HistoryPlan): Promise<HistoryResult> {
  const started = performance.now();
  const { log, bodyDigests, doc, edits, entries } = await buildPaperHistory(plan);
  const buildSeconds = (performance.now() - started) / 1000;

  const sum = (list: { data: Uint8Array }[]) => list.reduce((total, item) => total + item.data.byteLength, 0);
  const gcFalse = new Y.Doc({ gc: false });
  Y.applyUpdate(gcFalse, Y.mergeUpdates(log.segments.map((segment) => segment.data)));
  const gcFalseDocBytes = Y.encodeStateAsUpdate(gcFalse).byteLength;
  const segmentBytes = sum(log.segments);
  const checkpointBytes = sum(log.checkpoints);

  const step = Math.max(1, Math.floor(log.versions.length / plan.materialiseSamples));
  const materialiseMs: number[] = [];
  let materialiseCorrect = 0;
  for (let index = 0; index < log.versions.length; index += step) {
    const pieces = log.pieces(log.versions[index].seq);
    const t = performance.now();
    const state = materialiseDoc(pieces);
    materialiseMs.push(performance.now() - t);
    if (documentDigest(state) === bodyDigests[index]) materialiseCorrect++;
    state.destroy();
  }

  const gen = prng.create(42);
  const restoreMs: number[] = [];
  const restoreBytes: number[] = [];
  let restoreCorrect = 0;
  let restoreOnWorkerMs = Number.NaN;
  for (let pair = 0; pair < plan.restorePairs; pair++) {
    const now = prng.int32(gen, 1, log.versions.length - 1);
    const version = prng.int32(gen, 0, now - 1);
    const live = materialise(log.pieces(log.versions[now].seq));
    const target = materialise(log.pieces(log.versions[version].seq));
    const t = performance.now();
    const { update } = revertToVersion(live, target, unusedClientId(live));
    restoreMs.push(performance.now() - t);
    restoreBytes.push(update.byteLength);
    const restored = new Y.Doc();
    Y.applyUpdate(restored, live);
    Y.applyUpdate(restored, update);
    if (documentDigest(restored) === bodyDigests[version]) restoreCorrect++;
    restored.destroy();
    if (pair === 0) {
      const w = performance.now();
      await computeRestore(live, target);
      restoreOnWorkerMs = performance.now() - w;
    }
  }

  const attribution = measureAttribution(plan.attributionUpdates);
  return {
    versions: log.versions.length,
    edits,
    logEntries: entries,
    buildSeconds: round(buildSeconds),
    segments: log.segments.length,
    segmentBytes,
    checkpoints: log.checkpoints.length,
    checkpointBytes,
    gcFalseDocBytes,
    gcTrueDocBytes: Y.encodeStateAsUpdate(doc).byteLength,
    segmentsVsGcFalse: round(segmentBytes / gcFalseDocBytes),
    withCheckpointsVsGcFalse: round((segmentBytes + checkpointBytes) / gcFalseDocBytes),
    materialised: materialiseMs.length,
    materialiseCorrect,
    materialiseP50Ms: round(percentile(materialiseMs, 50)),
    materialiseP99Ms: round(percentile(materialiseMs, 99)),
    materialiseMaxMs: round(Math.max(...materialiseMs)),
    restorePairs: plan.restorePairs,
    restoreCorrect,
    restoreP50Ms: round(percentile(restoreMs, 50)),
    restoreP99Ms: round(percentile(restoreMs, 99)),
    restoreMaxMs: round(Math.max(...restoreMs)),
    restoreUpdateP50Bytes: percentile(restoreBytes, 50),
    restoreOnWorkerMs: round(restoreOnWorkerMs),
    ...attribution,
  };
}

/**
 * What the write path adds per keystroke update it has already decoded: the sender's client
 * ids looked up in the room's bindings (a Map get per struct) and its deletions attributed.
 */
function measureAttribution(count: number): Pick<HistoryResult, 'attributedUpdates' | 'attributionMicrosPerUpdate' | 'attributionMicrosPerDeletingUpdate'> {
  const { updates } = sequentialUpdates('automerge-paper.json.gz', count);
  const decoded = updates.map((update) => Y.decodeUpdate(update));
  const bindings = new Map<number, string>();
  for (const { structs } of decoded) for (const struct of structs) bindings.set(struct.id.client, 'kleppmann');
  let unbound = 0;
  const attributeAll = (list: typeof decoded) => {
    const t = performance.now();
    for (const { structs, ds } of list) {
      for (const struct of structs) if (bindings.get(struct.id.client) === undefined) unbound++;
      attributeDeletions([{ authorId: 'kleppmann', ds }]);
    }
    return ((performance.now() - t) * 1000) / list.length;
  };
  attributeAll(decoded); // warm-up: the JIT, as on a long-running server
  const perUpdate = attributeAll(decoded);
  const deleting = decoded.filter(({ ds }) => ds.clients.size > 0);
  const perDeleting = attributeAll(deleting);
  if (unbound > 0) throw new Error('a struct of the trace had no binding');
  return { attributedUpdates: decoded.length, attributionMicrosPerUpdate: round(perUpdate), attributionMicrosPerDeletingUpdate: round(perDeleting) };
}
