import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildPaperHistory, documentDigest } from '../../test/support/paper-history';
import { materialise, materialiseDoc } from './materialise';

describe('materialise', () => {
  it('gives back the text at every one of 1,000 versions of automerge-paper', async () => {
    // A keystroke batch of 13 edits per log entry keeps the replay short; compaction every 500 entries.
    const { log, bodyDigests, doc } = await buildPaperHistory({ versions: 1_000, editsPerEntry: 13, compactEvery: 500 });
    expect(log.versions).toHaveLength(1_000);
    expect(log.versions.every((version) => version.kind === 'auto')).toBe(true);
    expect(log.checkpoints.length).toBeGreaterThan(5);
    const wrong: number[] = [];
    log.versions.forEach((version, index) => {
      const state = materialiseDoc(log.pieces(version.seq));
      if (documentDigest(state) !== bodyDigests[index]) wrong.push(index);
      state.destroy();
    });
    expect(wrong).toEqual([]);
    // The last version is the typist's document, and the encoded form loads to the same.
    const last = new Y.Doc();
    Y.applyUpdate(last, materialise(log.pieces(log.versions.at(-1)!.seq)));
    expect(documentDigest(last)).toBe(documentDigest(doc));
  }, 60_000);

  it('keeps every change: the segments alone rebuild the whole history, deleted text included', async () => {
    const { log, doc } = await buildPaperHistory({ versions: 20, editsPerEntry: 50, compactEvery: 100, edits: 20_000 });
    const history = new Y.Doc({ gc: false });
    Y.applyUpdate(history, Y.mergeUpdates(log.segments.map((segment) => segment.data)));
    expect(documentDigest(history)).toBe(documentDigest(doc));
    // The trace's first 20,000 edits delete some 1,800 characters; all are still in the segments.
    let deletedCharacters = 0;
    history.store.clients.forEach((structs) => structs.forEach((struct) => {
      if (struct instanceof Y.Item && struct.deleted && struct.content instanceof Y.ContentString) deletedCharacters += struct.length;
    }));
    expect(deletedCharacters).toBeGreaterThan(1_000);
    // What the segments count as inserted and deleted leaves the visible text (and its paragraph).
    const sum = (key: 'inserted' | 'deleted') => log.segments.reduce((total, segment) => total + segment[key], 0);
    const paragraph = doc.getXmlFragment('default').get(0) as Y.XmlElement;
    expect(sum('inserted') - sum('deleted')).toBe(1 + (paragraph.get(0) as Y.XmlText).length);
  });

  it('refuses pieces out of order or with a segment missing, with a clear error', async () => {
    const { log } = await buildPaperHistory({ versions: 5, editsPerEntry: 20, compactEvery: 1_000, edits: 500 });
    const pieces = log.pieces(log.lastSeq());
    expect(pieces.segments).toHaveLength(5);
    expect(() => materialise({ checkpoint: null, segments: [pieces.segments[1], pieces.segments[0]] })).toThrow(/out of order/);
    const renumbered = pieces.segments.filter((_, index) => index !== 2).map((segment, index) => ({ ...segment, seq: index + 1 }));
    expect(() => materialise({ checkpoint: null, segments: renumbered })).toThrow(/history is incomplete/);
    expect(() => materialise({ checkpoint: { seq: 0, data: new Uint8Array([1, 2, 3]) }, segments: [] })).toThrow(/would not materialise/);
  });
});
