import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { joinItemRuns } from './join-runs';

/** Everything a doc holds, deleted items included (gc off), as comparable JSON. */
function history(updates: Uint8Array[]): { text: string; deleted: string; pending: boolean } {
  const doc = new Y.Doc({ gc: false });
  for (const update of updates) Y.applyUpdate(doc, update);
  const deleted: string[] = [];
  doc.store.clients.forEach((structs) => structs.forEach((struct) => {
    if (struct instanceof Y.Item && struct.deleted && struct.content instanceof Y.ContentString) deleted.push(`${struct.id.client}:${struct.id.clock}:${struct.content.str}`);
  }));
  return { text: doc.getText('title').toString(), deleted: deleted.sort().join(';'), pending: doc.store.pendingStructs !== null };
}

describe('joinItemRuns', () => {
  it('joins keystrokes into one item, losing nothing, and shrinks the update', () => {
    const doc = new Y.Doc();
    // A fixed id, as large as Yjs draws them: a random one's varint length (1–5 bytes) moves the byte counts.
    doc.clientID = 4_000_000_000;
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const text = doc.getText('title');
    for (const char of 'hello world') text.insert(text.length, char);
    text.delete(2, 3);
    const merged = Y.mergeUpdates(updates);
    const joined = joinItemRuns(merged);
    expect(Y.decodeUpdate(joined).structs).toHaveLength(1);
    expect(joined.byteLength).toBeLessThan(merged.byteLength / 2);
    expect(history([joined])).toEqual(history(updates));
    expect(Y.equalDeleteSets(Y.decodeUpdate(joined).ds, Y.decodeUpdate(merged).ds)).toBe(true);
  });

  it('keeps concurrent typing interleaved as it was, for segments applied in order and out of it', () => {
    const gen = prng.create(11);
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const log: Uint8Array[] = [];
    let synced = 0;
    for (const doc of docs) doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'sync' && log.push(u));
    for (let round = 0; round < 300; round++) {
      // Each types a few characters at a random place, then sometimes they sync (concurrency in between).
      for (const doc of docs) {
        const text = doc.getText('title');
        const at = prng.int32(gen, 0, text.length);
        for (let i = 0; i < prng.int32(gen, 1, 4); i++) text.insert(at + i, prng.letter(gen));
        if (text.length > 5 && prng.bool(gen)) text.delete(prng.int32(gen, 0, text.length - 2), 2);
      }
      if (prng.int32(gen, 0, 2) === 0) {
        const news = Y.mergeUpdates(log.slice(synced));
        synced = log.length;
        for (const doc of docs) Y.applyUpdate(doc, news, 'sync');
      }
    }
    const parts = [log.slice(0, 400), log.slice(400, 900), log.slice(900)].map((part) => Y.mergeUpdates(part));
    const segments = parts.map(joinItemRuns);
    expect(segments.every((segment, index) => segment.byteLength < parts[index].byteLength)).toBe(true);
    expect(history(segments)).toEqual(history(log));
    expect(history([segments[2], segments[0], segments[1]])).toEqual(history(log));
    expect(history(segments).pending).toBe(false);
  });

  it('joins nothing across a format mark, an embed or another client', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const text = doc.getText('title');
    text.insert(0, 'a');
    text.insert(1, 'b', { bold: true });
    text.insertEmbed(2, { image: 'x' });
    text.insert(3, 'c');
    const joined = joinItemRuns(Y.mergeUpdates(updates));
    const plain = new Y.Doc();
    Y.applyUpdate(plain, joined);
    expect(plain.getText('title').toDelta()).toEqual(text.toDelta());
  });
});
