/**
 * Turns the editing traces in ../shared/traces into Yjs updates a load generator can send:
 * one update per transaction, as real clients would produce them.
 */
import * as Y from 'yjs';
import { loadTrace, type Patch } from '../../test/support/traces';

export interface AuthoredUpdate {
  agent: number;
  /** Milliseconds since the trace's first transaction. */
  atMs: number;
  update: Uint8Array;
}

interface ConcurrentTrace {
  endContent: string;
  numAgents: number;
  txns: { parents: number[]; agent: number; time: string; patches: Patch[] }[];
}

function applyPatches(text: Y.Text, patches: Patch[]): void {
  for (const [position, deleteCount, insertText] of patches) {
    if (deleteCount) text.delete(position, deleteCount);
    if (insertText) text.insert(position, insertText);
  }
}

/** The updates of a sequential trace's first `count` transactions, one per transaction. */
export function sequentialUpdates(fileName: string, count = Infinity): { updates: Uint8Array[]; doc: Y.Doc } {
  const trace = loadTrace(fileName);
  const doc = new Y.Doc();
  const text = doc.getText('title');
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (const { patches } of trace.txns.slice(0, Math.min(count, trace.txns.length))) {
    doc.transact(() => applyPatches(text, patches));
  }
  return { updates, doc };
}

/**
 * Replays a concurrent trace: each agent keeps its own Y.Doc; before applying a transaction,
 * the agent's doc receives every ancestor transaction it has not seen (the state the author
 * saw), so positions mean what they meant. Returns each transaction's update with its author
 * and time, and checks the merge converges to the trace's final text.
 */
export function concurrentUpdates(fileName: string): AuthoredUpdate[] {
  const trace = loadTrace(fileName) as unknown as ConcurrentTrace;
  const docs = Array.from({ length: trace.numAgents }, () => new Y.Doc());
  const seen = docs.map(() => new Set<number>());
  const updates: Uint8Array[] = [];
  const authored: AuthoredUpdate[] = [];
  const startMs = Date.parse(trace.txns[0].time);
  // Several transactions share each one-second timestamp: spread them evenly over that second.
  const perSecond = new Map<string, number>();
  for (const { time } of trace.txns) perSecond.set(time, (perSecond.get(time) ?? 0) + 1);
  const placedInSecond = new Map<string, number>();

  trace.txns.forEach((txn, index) => {
    const doc = docs[txn.agent];
    const missing: number[] = [];
    const stack = [...txn.parents];
    while (stack.length > 0) {
      const parent = stack.pop()!;
      if (seen[txn.agent].has(parent)) continue;
      seen[txn.agent].add(parent);
      missing.push(parent);
      stack.push(...trace.txns[parent].parents);
    }
    if (missing.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(missing.map((i) => updates[i])));
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array) => (update = u);
    doc.on('update', capture);
    doc.transact(() => applyPatches(doc.getText('title'), txn.patches));
    doc.off('update', capture);
    seen[txn.agent].add(index);
    updates.push(update ?? new Uint8Array([0, 0]));
    const slot = placedInSecond.get(txn.time) ?? 0;
    placedInSecond.set(txn.time, slot + 1);
    const atMs = Date.parse(txn.time) - startMs + (slot * 1000) / perSecond.get(txn.time)!;
    authored.push({ agent: txn.agent, atMs, update: updates[index] });
  });

  const merged = new Y.Doc();
  Y.applyUpdate(merged, Y.mergeUpdates(updates));
  if (merged.getText('title').toString() !== trace.endContent) {
    throw new Error(`${fileName}: replay did not converge to the trace's final text`);
  }
  return authored;
}

/** Removes idle stretches longer than `maxGapMs` (nobody typing), keeping the order. */
export function compressIdleGaps(updates: AuthoredUpdate[], maxGapMs: number): AuthoredUpdate[] {
  let shift = 0;
  return updates.map((item, i) => {
    if (i > 0) {
      const gap = item.atMs - updates[i - 1].atMs;
      if (gap > maxGapMs) shift += gap - maxGapMs;
    }
    return { ...item, atMs: item.atMs - shift };
  });
}
