/** Real editing traces from ../shared/traces (CC BY 4.0, josephg/editing-traces). */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type * as Y from 'yjs';
import { sleep } from './wait';

export type Patch = [position: number, deleteCount: number, insertText: string];

export interface SequentialTrace {
  endContent: string;
  txns: { time: string; patches: Patch[] }[];
}

const TRACES_DIR = process.env.TRACES_DIR ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'traces');

/** Loads a gzipped JSON trace by file name, e.g. "automerge-paper.json.gz". */
export function loadTrace(fileName: string): SequentialTrace {
  const file = path.join(TRACES_DIR, fileName);
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as SequentialTrace;
}

/** The text after each transaction (and before the first), applied like splices. */
export function textsAfterEachEdit(txns: SequentialTrace['txns']): Set<string> {
  let content = '';
  const texts = new Set([content]);
  for (const { patches } of txns) {
    content = splice(content, patches);
    texts.add(content);
  }
  return texts;
}

/** The text after every transaction of `txns`. */
export function textAfterEdits(txns: SequentialTrace['txns']): string {
  return txns.reduce((content, { patches }) => splice(content, patches), '');
}

export interface ReplayOptions {
  /** Index of the first transaction to apply. */
  from?: number;
  /** Checked before each edit; replay stops (leaving the rest) once it returns false. */
  keepGoing?: () => boolean;
  /** Edits between yields to the event loop, so frames flow while typing. */
  yieldEvery?: number;
  /**
   * Checked at each yield with the index of the next edit: while it returns false, replay
   * waits (checking `keepGoing` too), e.g. to stay a bounded distance ahead of a reader.
   */
  mayContinue?: (next: number) => boolean;
}

/**
 * Replays trace transactions on `text` as fast as possible, one Yjs transaction per trace
 * transaction (each patch as delete, then insert). Resolves with the index of the first
 * transaction not applied: `txns.length` when it got through them all.
 */
export async function replayEdits(
  text: Y.Text,
  txns: SequentialTrace['txns'],
  { from = 0, keepGoing = () => true, yieldEvery = 25, mayContinue = () => true }: ReplayOptions = {},
): Promise<number> {
  const doc = text.doc;
  if (!doc) throw new Error('replayEdits needs a Y.Text that belongs to a Y.Doc');
  let next = from;
  while (next < txns.length && keepGoing()) {
    const { patches } = txns[next];
    doc.transact(() => {
      for (const [position, deleteCount, insertText] of patches) {
        if (deleteCount) text.delete(position, deleteCount);
        if (insertText) text.insert(position, insertText);
      }
    });
    next++;
    if ((next - from) % yieldEvery !== 0) continue;
    await new Promise((resolve) => setImmediate(resolve));
    while (!mayContinue(next) && keepGoing()) await sleep(1);
  }
  return next;
}

function splice(content: string, patches: Patch[]): string {
  for (const [position, deleteCount, insertText] of patches) {
    content = content.slice(0, position) + insertText + content.slice(position + deleteCount);
  }
  return content;
}
