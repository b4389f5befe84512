/** Real editing traces from ../shared/traces (CC BY 4.0, josephg/editing-traces). */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

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
    for (const [position, deleteCount, insertText] of patches) {
      content = content.slice(0, position) + insertText + content.slice(position + deleteCount);
    }
    texts.add(content);
  }
  return texts;
}
