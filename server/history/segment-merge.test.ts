import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { FOLD_IN_WORKER_BYTES } from '../document-fold';
import { attributeDeletions } from './attribution';
import { mergeSegment, mergeSegmentData } from './segment-merge';

/** Typed keystroke by keystroke, with one deletion, until the updates pass `bytes`. */
function keystrokes(bytes: number): { updates: Uint8Array[]; attributions: (Uint8Array | null)[] } {
  const doc = new Y.Doc();
  doc.clientID = 4_000_000_001;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = doc.getText('title');
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    text.insert(text.length, String.fromCharCode(97 + (i % 26)));
    total += updates[updates.length - 1].byteLength;
  }
  const before = updates.length;
  text.delete(0, 3);
  const attributions = updates.map((update, index) => (index < before ? null : attributeDeletions([{ authorId: 'alice', ds: Y.decodeUpdate(update).ds }])));
  return { updates, attributions };
}

describe('mergeSegment', () => {
  test('a segment too large for the event loop is merged on the fold worker, exactly as it would be here', async () => {
    const { updates, attributions } = keystrokes(FOLD_IN_WORKER_BYTES + 1);
    const here = mergeSegmentData(updates, attributions);
    const onWorker = await mergeSegment(updates, attributions);
    expect(Buffer.from(onWorker.data).equals(Buffer.from(here.data))).toBe(true);
    expect(onWorker.attribution && Buffer.from(onWorker.attribution).equals(Buffer.from(here.attribution!))).toBe(true);
    expect({ inserted: onWorker.inserted, deleted: onWorker.deleted }).toEqual({ inserted: here.inserted, deleted: here.deleted });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, onWorker.data);
    expect(doc.getText('title').length).toBe(here.inserted);
  });
});
