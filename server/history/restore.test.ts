import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildPaperHistory, documentDigest } from '../../test/support/paper-history';
import { materialise } from './materialise';
import { computeRestore, unusedClientId } from './restore';
import { commentMarkKey, commentMarkValue } from '../../lib/protocol/comments';
import { contentOf, revertToVersion } from './revert';

function load(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** Applies `update` to a doc loaded from `state`; returns the doc. */
function applied(state: Uint8Array, update: Uint8Array): Y.Doc {
  const doc = load(state);
  Y.applyUpdate(doc, update);
  return doc;
}

/**
 * Three people editing one rich document the way ProseMirror's Yjs binding stores it
 * (paragraph and heading elements, text with bold/italic marks, a title), their docs synced
 * after every edit. `states` holds the document (gc on) every `every` edits.
 */
function editRichDocument(seed: number, edits: number, every: number): { states: Uint8Array[]; clients: number[] } {
  const gen = prng.create(seed);
  const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
  for (const doc of docs) {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'sync') return;
      for (const other of docs) if (other !== doc) Y.applyUpdate(other, update, 'sync');
    });
  }
  const states: Uint8Array[] = [];
  const block = (doc: Y.Doc) => {
    const body = doc.getXmlFragment('default');
    return body.length === 0 ? null : (body.get(prng.int32(gen, 0, body.length - 1)) as Y.XmlElement);
  };
  const newBlock = () => {
    const heading = prng.int32(gen, 0, 3) === 0;
    const element = new Y.XmlElement(heading ? 'heading' : 'paragraph');
    if (heading) element.setAttribute('level', String(prng.int32(gen, 1, 3)));
    const text = new Y.XmlText();
    text.insert(0, prng.word(gen, 1, 12));
    element.insert(0, [text]);
    return element;
  };
  for (let edit = 0; edit < edits; edit++) {
    const doc = prng.oneOf(gen, docs);
    const body = doc.getXmlFragment('default');
    const target = block(doc);
    const text = target?.get(0) as Y.XmlText | undefined;
    const op = body.length < 3 ? 0 : prng.int32(gen, 0, 9);
    doc.transact(() => {
      if (op <= 1 || !target || !text) body.insert(prng.int32(gen, 0, body.length), [newBlock()]);
      else if (op <= 4) text.insert(prng.int32(gen, 0, text.length), prng.word(gen, 1, 8), prng.bool(gen) ? { bold: true } : {});
      else if (op === 5 && text.length > 0) {
        const from = prng.int32(gen, 0, text.length - 1);
        text.delete(from, prng.int32(gen, 1, Math.min(6, text.length - from)));
      } else if (op === 6 && text.length > 1) {
        const from = prng.int32(gen, 0, text.length - 2);
        text.format(from, prng.int32(gen, 1, text.length - from), prng.bool(gen) ? { italic: true } : { bold: null });
      } else if (op === 7) body.delete(body.toArray().indexOf(target), 1);
      else if (op === 8 && target.nodeName === 'heading') target.setAttribute('level', String(prng.int32(gen, 1, 3)));
      else {
        const title = doc.getText('title');
        if (title.length > 4 && prng.bool(gen)) title.delete(prng.int32(gen, 0, title.length - 3), 2);
        else title.insert(prng.int32(gen, 0, title.length), prng.word(gen, 1, 5));
      }
    });
    if ((edit + 1) % every === 0) states.push(Y.encodeStateAsUpdate(docs[0]));
  }
  return { states, clients: docs.map((doc) => doc.clientID) };
}

describe('restoring a version', () => {
  const { states } = editRichDocument(7, 1_200, 40);

  it('makes the body and title the version\'s, for random (version, now) pairs of a rich document', () => {
    const gen = prng.create(99);
    let compared = 0;
    for (let pair = 0; pair < 40; pair++) {
      const now = prng.int32(gen, 1, states.length - 1);
      const version = prng.int32(gen, 0, now - 1);
      const live = states[now];
      const { update } = revertToVersion(live, states[version], unusedClientId(live));
      const restored = applied(live, update);
      const expected = load(states[version]);
      expect(contentOf(restored)).toBe(contentOf(expected));
      expect(restored.getXmlFragment('default').toJSON()).toEqual(expected.getXmlFragment('default').toJSON());
      if (contentOf(load(live)) !== contentOf(expected)) compared++;
    }
    expect(compared).toBeGreaterThan(30); // the pairs really differed
  });

  it('keeps an edit made after the restore was computed', () => {
    const live = states[25];
    const { update } = revertToVersion(live, states[5], unusedClientId(live));
    const doc = load(live);
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    text.insert(0, 'typed meanwhile');
    paragraph.insert(0, [text]);
    const body = doc.getXmlFragment('default');
    body.insert(body.length, [paragraph]);
    Y.applyUpdate(doc, update);
    const found = body.toArray().findIndex((node) => node.toString().includes('typed meanwhile'));
    expect(found).toBeGreaterThanOrEqual(0);
    body.delete(found, 1);
    expect(contentOf(doc)).toBe(contentOf(load(states[5])));
  });

  it('is stable: restoring the same version again changes nothing', () => {
    const live = states[28];
    const first = applied(live, revertToVersion(live, states[3], unusedClientId(live)).update);
    const afterFirst = Y.encodeStateAsUpdate(first);
    const again = revertToVersion(afterFirst, states[3], unusedClientId(afterFirst));
    const decoded = Y.decodeUpdate(again.update);
    expect([decoded.structs.length, decoded.ds.clients.size]).toEqual([0, 0]);
    expect(contentOf(applied(afterFirst, again.update))).toBe(contentOf(load(states[3])));
  });

  it('re-creates deleted text as copies and names the item each copies', () => {
    const author = new Y.Doc();
    author.getText('title').insert(0, 'Title');
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    author.getXmlFragment('default').insert(0, [paragraph]);
    text.insert(0, 'Kept. Deleted by Bob.');
    const version = Y.encodeStateAsUpdate(author);
    const bob = load(version);
    ((bob.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).delete(5, 16);
    const live = Y.encodeStateAsUpdate(bob);
    const { update, restored } = revertToVersion(live, version, 4242);
    // The title (5), the paragraph, its text and "Kept." come first in the author's clocks.
    expect(restored).toEqual([{ clock: 0, length: 16, originalClient: author.clientID, originalClock: 12 }]);
    const structs = Y.decodeUpdate(update).structs.filter((struct) => struct instanceof Y.Item);
    expect(structs.map((struct) => [struct.id.client, (struct as Y.Item).content.getContent().join('')])).toEqual([[4242, ' Deleted by Bob.']]);
    // "Kept." was never deleted: its item stays the author's, not the restorer's.
    expect(contentOf(applied(live, update))).toBe(contentOf(load(version)));
  });

  it('reverts on a worker, and replaces instead when the revert overruns its budget', async () => {
    const live = states[29];
    const reverted = await computeRestore(live, states[2]);
    expect(reverted.method).toBe('revert');
    expect(contentOf(applied(live, reverted.update))).toBe(contentOf(load(states[2])));
    const replaced = await computeRestore(live, states[2], { budgetMs: 0, clientId: reverted.clientId });
    expect([replaced.method, replaced.fallbackReason]).toEqual(['replace', 'the revert took longer than 0 ms']);
    expect(contentOf(applied(live, replaced.update))).toBe(contentOf(load(states[2])));
    expect(Y.decodeUpdate(replaced.update).structs.every((struct) => struct.id.client === reverted.clientId)).toBe(true);
  });

  it('never writes with a client id the live document already has', () => {
    const live = states[10];
    const taken = [...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(live)).keys()];
    expect(taken).toHaveLength(3);
    expect(taken).not.toContain(unusedClientId(live, taken[0]));
    expect(unusedClientId(live, 12345)).toBe(12345);
  });

  it('restores automerge-paper versions exactly', async () => {
    const { log, bodyDigests } = await buildPaperHistory({ versions: 40, editsPerEntry: 13, compactEvery: 500 });
    const gen = prng.create(3);
    for (let pair = 0; pair < 4; pair++) {
      const now = prng.int32(gen, 20, 39);
      const version = prng.int32(gen, 0, now - 1);
      const live = materialise(log.pieces(log.versions[now].seq));
      const { update } = revertToVersion(live, materialise(log.pieces(log.versions[version].seq)), unusedClientId(live));
      expect(documentDigest(applied(live, update))).toBe(bodyDigests[version]);
    }
  }, 60_000);

  it('keeps the comment marks made since the version on text that survives, and their threads anchored', () => {
    const doc = new Y.Doc();
    const paragraph = new Y.XmlElement('paragraph');
    doc.getXmlFragment('default').insert(0, [paragraph]);
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    text.insert(0, 'hello world');
    const version = Y.encodeStateAsUpdate(doc);
    // Since the version: a thread on "world", and someone's vandalism elsewhere.
    text.format(6, 5, { [commentMarkKey('thread-1')]: commentMarkValue('thread-1') });
    text.insert(0, 'VANDAL ');
    const live = Y.encodeStateAsUpdate(doc);

    const { update } = revertToVersion(live, version, unusedClientId(live));
    const restored = applied(live, update);
    const restoredText = (restored.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    expect(restoredText.toString().replace(/<[^>]+>/g, '')).toBe('hello world');
    expect(restoredText.toDelta()).toEqual([
      { insert: 'hello ' },
      { insert: 'world', attributes: { [commentMarkKey('thread-1')]: commentMarkValue('thread-1') } },
    ]);
    expect(contentOf(restored)).toBe(contentOf(load(version)));
  });
});
