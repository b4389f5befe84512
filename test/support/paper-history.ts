/**
 * automerge-paper as a room's history: the trace typed into a Tandem-shaped document (the body
 * fragment `default` holding one paragraph), stored as log entries and compacted with a
 * history planner into `versions` versions, one at each of that many evenly spaced points of
 * the trace. Entries within a version are a second apart; between versions the typist pauses
 * longer than the planner's pause, so each point is a version boundary. Compaction runs every
 * `compactEvery` entries (as COMPACT_AFTER_UPDATES does), mostly in the middle of a version.
 */
import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { createHistoryPlanner, VERSION_PAUSE_MS } from '../../server/history/planner';
import { HistoryLog } from '../../server/testing/history-log';
import { loadTrace } from './traces';

export interface PaperHistoryOptions {
  versions: number;
  /** Trace transactions per log entry (a batch of keystrokes stored together). */
  editsPerEntry: number;
  compactEvery: number;
  /** Trace transactions to use (all by default). */
  edits?: number;
}

export interface PaperHistory {
  log: HistoryLog;
  /** Digest of the body (`default` fragment's XML) at each version, oldest first. */
  bodyDigests: string[];
  /** The typist's document at the end: gc on, as a live room holds it. */
  doc: Y.Doc;
  edits: number;
  entries: number;
}

/** A short digest of a document's body and title, for comparing states without keeping them. */
export function documentDigest(doc: Y.Doc): string {
  return createHash('sha256').update(doc.getXmlFragment('default').toString()).update('\0').update(doc.getText('title').toString()).digest('base64');
}

export async function buildPaperHistory({ versions, editsPerEntry, compactEvery, edits = Infinity }: PaperHistoryOptions): Promise<PaperHistory> {
  const txns = loadTrace('automerge-paper.json.gz').txns;
  const count = Math.min(edits, txns.length);
  const doc = new Y.Doc();
  const log = new HistoryLog();
  let clock = Date.UTC(2026, 0, 1);
  let versionCounter = 0;
  const planner = createHistoryPlanner({ now: () => clock, newVersionId: () => (versionCounter++).toString(36).padStart(16, '0') });
  let pending: Uint8Array | null = null;
  doc.on('update', (update: Uint8Array) => (pending = update));
  let entries = 0;
  const store = async () => {
    clock += 1_000;
    log.append(pending!, { at: clock, authors: [{ id: 'kleppmann', name: 'Martin', color: '#d62728' }] });
    entries++;
    pending = null;
    if (entries % compactEvery === 0) await log.compact(planner);
  };

  const paragraph = new Y.XmlElement('paragraph');
  const text = new Y.XmlText();
  doc.transact(() => {
    paragraph.insert(0, [text]);
    doc.getXmlFragment('default').insert(0, [paragraph]);
  });
  await store();
  const bodyDigests: string[] = [];
  for (let version = 0; version < versions; version++) {
    const end = Math.floor(((version + 1) * count) / versions);
    for (let start = Math.floor((version * count) / versions); start < end; start += editsPerEntry) {
      doc.transact(() => {
        for (const { patches } of txns.slice(start, Math.min(end, start + editsPerEntry))) {
          for (const [position, deleteCount, insertText] of patches) {
            if (deleteCount) text.delete(position, deleteCount);
            if (insertText) text.insert(position, insertText);
          }
        }
      });
      if (pending) await store();
    }
    bodyDigests.push(documentDigest(doc));
    clock += VERSION_PAUSE_MS + 60_000;
  }
  await log.compact(planner);
  return { log, bodyDigests, doc, edits: count, entries };
}
