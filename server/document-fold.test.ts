/** Folding off the event loop: the worker thread's snapshot is the one folding here makes. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FOLD_IN_WORKER_BYTES, foldIntoSnapshot, foldOffTheEventLoop } from './document-fold';

/** A room's log of `entries` updates, each adding a paragraph of a few hundred characters. */
function roomLog(entries: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < entries; i++) {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(`Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(12)}`)]);
    doc.getXmlFragment('default').push([paragraph]);
  }
  doc.destroy();
  return updates;
}

describe('foldOffTheEventLoop', () => {
  it('folds a large log on the worker thread while the event loop keeps turning', async () => {
    const log = roomLog(3000);
    expect(log.reduce((sum, update) => sum + update.byteLength, 0)).toBeGreaterThan(FOLD_IN_WORKER_BYTES);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const snapshot = await foldOffTheEventLoop(log, 64);
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0);
    expect(Array.from(snapshot)).toEqual(Array.from(foldIntoSnapshot(log, 64)));
  });

  it('rejects, as a fold here does, when a stored row cannot be read', async () => {
    const log = [...roomLog(3000), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])];
    await expect(foldOffTheEventLoop(log, 64)).rejects.toThrow('would not fold');
    // The worker survives a failed fold.
    expect((await foldOffTheEventLoop(roomLog(3000), 64)).byteLength).toBeGreaterThan(0);
  });

  it('starts a new worker after the idle one was stopped', async () => {
    const log = roomLog(3000);
    const first = await foldOffTheEventLoop(log, 64);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect(Array.from(await foldOffTheEventLoop(log, 64))).toEqual(Array.from(first));
  });

  it('gives up a fold that takes too long, and the next one runs on a fresh worker', async () => {
    const log = roomLog(3000);
    await expect(foldOffTheEventLoop(log, 64, 1)).rejects.toThrow('took longer than 1 ms');
    expect(Array.from(await foldOffTheEventLoop(log, 64))).toEqual(Array.from(foldIntoSnapshot(log, 64)));
  });

  it('folds a small log here', async () => {
    const log = roomLog(3);
    expect(Array.from(await foldOffTheEventLoop(log, 64))).toEqual(Array.from(foldIntoSnapshot(log, 64)));
  });
});
