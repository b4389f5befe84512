/**
 * Authorship colours over real Y.Docs: three clients edit one document (synced by exchanging
 * real updates), y-tiptap renders it to ProseMirror with the binding's mapping, and the paint
 * must give every author exactly the text they wrote. Each person types only their own letter
 * (Alice "a", Bob "b", Carol "c"), so "who wrote this" is checked by reading the text, not by
 * repeating the implementation. After 1,000 random edits the cached runs (kept up to date by
 * Yjs transactions) paint exactly what reading every item again paints.
 */
import { getSchema } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import type { Decoration } from '@tiptap/pm/view';
import { initProseMirrorDoc } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contentExtensions } from '../editor/editor-extensions';
import type { AuthorshipResponse } from '../protocol/history-api';
import { createAuthorDirectory, type AuthorDirectory } from './author-directory';
import {
  AUTHOR_RUN_CLASS,
  authorRunAttributes,
  docChange,
  paintAuthors,
  type AuthorPaint,
  type BindingMapping,
} from './author-paint';
import { ClientRunCache, textblockClientRuns } from './client-runs';

const schema = getSchema(contentExtensions());

interface Writer {
  doc: Y.Doc;
  authorId: string;
  letter: string;
}

/** Three writers whose docs start from one shared paragraph-less fragment. */
function threeWriters(): Writer[] {
  return ['alice', 'bob', 'carol'].map((authorId) => ({ doc: new Y.Doc(), authorId, letter: authorId[0] }));
}

/** Sends every writer whatever the others hold that it lacks, as real updates. */
function syncAll(writers: readonly Writer[]): void {
  for (const from of writers) {
    for (const to of writers) {
      if (from !== to) Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc)));
    }
  }
}

function authorshipOf(writers: readonly Writer[]): AuthorshipResponse {
  return {
    clients: Object.fromEntries(writers.map((writer) => [String(writer.doc.clientID), writer.authorId])),
    authors: writers.map((writer) => ({ id: writer.authorId, name: writer.authorId.toUpperCase(), color: '#175cd3' })),
    deletions: [],
    overrides: [],
  };
}

function directoryFor(viewer: Writer, writers: readonly Writer[]): AuthorDirectory {
  return createAuthorDirectory({
    authorship: authorshipOf(writers),
    presence: new Map(),
    self: { clientId: viewer.doc.clientID, authorId: viewer.authorId, identity: { name: 'Me', color: '#b42318' } },
  });
}

function render(doc: Y.Doc): { pmDoc: ProseMirrorNode; mapping: BindingMapping } {
  const { doc: pmDoc, mapping } = initProseMirrorDoc(doc.getXmlFragment('default'), schema);
  return { pmDoc, mapping: mapping as BindingMapping };
}

/**
 * Paints `next` from `previous` (painted on `before`) the way the editor does after a change
 * from Yjs: old decorations mapped through the rendering's change, changed textblocks again.
 */
function repaint(previous: AuthorPaint, before: ProseMirrorNode, next: ReturnType<typeof render>, cache: ClientRunCache, directory: AuthorDirectory) {
  const change = docChange(before, next.pmDoc);
  const changed = cache.takeChanged();
  return paintAuthors(next.pmDoc, next.mapping, (element) => cache.runsOf(element), directory, {
    decorations: change ? previous.decorations.map(change.mapping, next.pmDoc) : previous.decorations,
    range: change?.range ?? null,
    changed: (element) => changed.has(element) || !cache.holds(element),
  });
}

/** The painted ranges as plain data: where, whose, and the text under them (a hard break as "⏎"). */
function paintedRanges(paint: AuthorPaint, pmDoc: ProseMirrorNode) {
  return paint.decorations.find().map((decoration: Decoration) => ({
    from: decoration.from,
    to: decoration.to,
    author: (decoration.spec as { author: string }).author,
    text: pmDoc.textBetween(decoration.from, decoration.to, '', '⏎'),
  }));
}

/** Hard breaks by client, counted on the Y elements directly. */
function hardBreaksBy(doc: Y.Doc): Map<number, number> {
  const counts = new Map<number, number>();
  const visit = (element: Y.XmlElement | Y.XmlFragment) => {
    for (const child of element.toArray()) {
      if (!(child instanceof Y.XmlElement)) continue;
      if (child.nodeName === 'hardBreak') counts.set(child._item!.id.client, (counts.get(child._item!.id.client) ?? 0) + 1);
      visit(child);
    }
  };
  visit(doc.getXmlFragment('default'));
  return counts;
}

/** Asserts the paint gives every writer exactly their own letters and hard breaks, and nothing else. */
function expectEveryoneHasOwnText(writers: readonly Writer[], viewer: Writer, paint: AuthorPaint, pmDoc: ProseMirrorNode): void {
  const ranges = paintedRanges(paint, pmDoc);
  const breaks = hardBreaksBy(viewer.doc);
  const allText = pmDoc.textBetween(0, pmDoc.content.size, '', '');
  for (const writer of writers) {
    const own = ranges.filter((range) => range.author === writer.authorId);
    for (const range of own) expect(range.text).toMatch(new RegExp(`^[${writer.letter}⏎]+$`));
    const painted = own.reduce((sum, range) => sum + (range.to - range.from), 0);
    const letters = allText.split(writer.letter).length - 1;
    expect(painted).toBe(letters + (breaks.get(writer.doc.clientID) ?? 0));
    const tally = paint.authors.find((author) => author.id === writer.authorId);
    expect(tally?.length ?? 0).toBe(painted);
  }
  // Neighbouring ranges of one author are one range.
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].from === ranges[i - 1].to) expect(ranges[i].author).not.toBe(ranges[i - 1].author);
  }
  expect(paint.unboundClients).toEqual([]);
  expect(paint.skippedBlocks).toBe(0);
}

function paragraph(text: Y.XmlText | null = new Y.XmlText()): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  if (text) element.insert(0, [text]);
  return element;
}

describe('paintAuthors', () => {
  it('colours each of three writers’ text in one paragraph as theirs, one range per stretch', () => {
    const writers = threeWriters();
    const [alice, bob, carol] = writers;
    alice.doc.getXmlFragment('default').insert(0, [paragraph()]);
    syncAll(writers);
    const textOf = (writer: Writer) => (writer.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    textOf(alice).insert(0, 'aaaa');
    syncAll(writers);
    textOf(bob).insert(2, 'bbb');
    syncAll(writers);
    textOf(carol).insert(7, 'cc');
    textOf(carol).format(0, 3, { bold: {} });
    syncAll(writers);

    const { pmDoc, mapping } = render(alice.doc);
    expect(pmDoc.textContent).toBe('aabbbaacc');
    const paint = paintAuthors(pmDoc, mapping, textblockClientRuns, directoryFor(alice, writers));
    expect(paintedRanges(paint, pmDoc)).toEqual([
      { from: 1, to: 3, author: 'alice', text: 'aa' },
      { from: 3, to: 6, author: 'bob', text: 'bbb' },
      { from: 6, to: 8, author: 'alice', text: 'aa' },
      { from: 8, to: 10, author: 'carol', text: 'cc' },
    ]);
    expect(paint.authors.map(({ id, length, isSelf }) => ({ id, length, isSelf }))).toEqual([
      { id: 'alice', length: 4, isSelf: true },
      { id: 'bob', length: 3, isSelf: false },
      { id: 'carol', length: 2, isSelf: false },
    ]);
    expectEveryoneHasOwnText(writers, alice, paint, pmDoc);
  });

  it('carries the author’s colour in a style variable and their id, never a colour that is not #rrggbb', () => {
    expect(authorRunAttributes({ id: 'x', name: 'X', color: '#2f7a0c', isSelf: false })).toEqual({
      class: AUTHOR_RUN_CLASS,
      style: '--author-color: #2f7a0c',
      'data-author': 'x',
    });
    expect(authorRunAttributes({ id: 'x', name: 'X', color: 'red; background: url(https://evil.example)', isSelf: false })).toEqual({
      class: AUTHOR_RUN_CLASS,
      'data-author': 'x',
    });
  });

  it('leaves text of a client nobody has named unpainted, paints one named by presence only, and reports both as unbound', () => {
    const writers = threeWriters();
    const [alice, bob] = writers;
    alice.doc.getXmlFragment('default').insert(0, [paragraph()]);
    syncAll(writers);
    ((bob.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'bb');
    syncAll(writers);
    const directory = createAuthorDirectory({
      authorship: { clients: {}, authors: [], deletions: [], overrides: [] },
      presence: new Map(),
      self: { clientId: alice.doc.clientID, authorId: 'alice', identity: { name: 'Alice', color: '#175cd3' } },
    });
    const { pmDoc, mapping } = render(alice.doc);
    const paint = paintAuthors(pmDoc, mapping, textblockClientRuns, directory);
    expect(paint.decorations.find()).toEqual([]);
    expect(paint.unboundClients).toEqual([bob.doc.clientID]);

    const named = createAuthorDirectory({
      authorship: { clients: {}, authors: [], deletions: [], overrides: [] },
      presence: new Map([[bob.doc.clientID, { name: 'Bob', color: '#b42318' }]]),
      self: { clientId: alice.doc.clientID, authorId: 'alice', identity: { name: 'Alice', color: '#175cd3' } },
    });
    const fromPresence = paintAuthors(pmDoc, mapping, textblockClientRuns, named);
    expect(paintedRanges(fromPresence, pmDoc)).toEqual([{ from: 1, to: 3, author: `client:${bob.doc.clientID}`, text: 'bb' }]);
    expect(fromPresence.unboundClients).toEqual([bob.doc.clientID]);
  });

  it('skips a textblock whose Yjs content does not match the editor’s (a change not yet in Yjs)', () => {
    const writers = threeWriters();
    const [alice] = writers;
    const text = new Y.XmlText();
    alice.doc.getXmlFragment('default').insert(0, [paragraph(text), paragraph()]);
    text.insert(0, 'aaa');
    const { pmDoc, mapping } = render(alice.doc);
    // Yjs moves on (one more letter) while the editor still shows the old paragraph.
    text.insert(3, 'a');
    const paint = paintAuthors(pmDoc, mapping, textblockClientRuns, directoryFor(alice, writers));
    expect(paint.decorations.find()).toEqual([]);
    expect(paint.skippedBlocks).toBe(1);
  });

  it('repaints a textblock whose text reads the same but was rewritten by someone else', () => {
    const writers = threeWriters();
    const [alice, bob] = writers;
    const text = new Y.XmlText();
    alice.doc.getXmlFragment('default').insert(0, [paragraph(text), paragraph()]);
    text.insert(0, 'same');
    syncAll(writers);
    const cache = new ClientRunCache(alice.doc);
    const directory = directoryFor(alice, writers);
    const first = render(alice.doc);
    const before = paintAuthors(first.pmDoc, first.mapping, (element) => cache.runsOf(element), directory);
    cache.takeChanged();
    const bobsText = (bob.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    Y.transact(bob.doc, () => {
      bobsText.delete(1, 2);
      bobsText.insert(1, 'am');
    });
    syncAll(writers);
    const next = render(alice.doc);
    expect(docChange(first.pmDoc, next.pmDoc)).toBeNull();
    expect(paintedRanges(repaint(before, first.pmDoc, next, cache, directory), next.pmDoc)).toEqual([
      { from: 1, to: 2, author: 'alice', text: 's' },
      { from: 2, to: 4, author: 'bob', text: 'am' },
      { from: 4, to: 5, author: 'alice', text: 'e' },
    ]);
    cache.destroy();
  });

  it('after 1,000 random edits by three writers, repainting only what changed paints what a full paint does, and everyone has their own text', () => {
    const writers = threeWriters();
    const [viewer] = writers;
    const cache = new ClientRunCache(viewer.doc);
    let seed = 20_261_201;
    const random = () => {
      seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
      return seed / 2 ** 32;
    };
    const below = (n: number) => Math.floor(random() * n);
    viewer.doc.getXmlFragment('default').insert(0, [paragraph()]);
    syncAll(writers);
    let previous = render(viewer.doc);
    let previousPaint = paintAuthors(previous.pmDoc, previous.mapping, (element) => cache.runsOf(element), directoryFor(viewer, writers));
    cache.takeChanged();

    for (let edit = 1; edit <= 1_000; edit++) {
      const writer = writers[below(3)];
      const fragment = writer.doc.getXmlFragment('default');
      const blocks = fragment.toArray() as Y.XmlElement[];
      const block = blocks[below(blocks.length)];
      const texts = block.toArray().filter((child): child is Y.XmlText => child instanceof Y.XmlText);
      const text = texts[below(texts.length)];
      const choice = random();
      if (!text || choice < 0.05) {
        fragment.insert(below(blocks.length + 1), [paragraph()]);
      } else if (choice < 0.55) {
        text.insert(below(text.length + 1), writer.letter.repeat(1 + below(4)));
      } else if (choice < 0.8 && text.length > 0) {
        const at = below(text.length);
        text.delete(at, Math.min(1 + below(3), text.length - at));
      } else if (choice < 0.88 && text.length > 0) {
        const at = below(text.length);
        text.format(at, Math.min(1 + below(5), text.length - at), random() < 0.5 ? { bold: {} } : { bold: null });
      } else if (choice < 0.93) {
        // A hard break after the block's last text, followed by fresh text (as the binding writes it).
        block.insert(block.length, [new Y.XmlElement('hardBreak'), new Y.XmlText(writer.letter)]);
      } else if (choice < 0.97 && blocks.length > 1) {
        fragment.delete(below(blocks.length), 1);
      } else {
        Y.transact(writer.doc, () => {
          text.insert(0, writer.letter);
          if (text.length > 2) text.delete(text.length - 1, 1);
        });
      }
      // Concurrency: the writers drift apart and meet again now and then.
      if (random() < 0.3) syncAll(writers);

      if (edit % 50 === 0) {
        syncAll(writers);
        const next = render(viewer.doc);
        const { pmDoc, mapping } = next;
        const directory = directoryFor(viewer, writers);
        const incremental = repaint(previousPaint, previous.pmDoc, next, cache, directory);
        const full = paintAuthors(pmDoc, mapping, textblockClientRuns, directory);
        expect(paintedRanges(incremental, pmDoc)).toEqual(paintedRanges(full, pmDoc));
        expect(incremental.authors).toEqual(full.authors);
        expectEveryoneHasOwnText(writers, viewer, full, pmDoc);
        previous = next;
        previousPaint = incremental;
      }
    }
    const { pmDoc } = render(viewer.doc);
    // The edits really produced a multi-author document with hard breaks, formatting and deletions.
    const text = pmDoc.textBetween(0, pmDoc.content.size, '', '');
    for (const letter of 'abc') expect(text.split(letter).length - 1).toBeGreaterThan(50);
    expect([...hardBreaksBy(viewer.doc).values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    cache.destroy();
  });
});

describe('paintAuthors on restored text', () => {
  /**
   * Alice types "aaaa", Bob "bbb" after it; Carol deletes the paragraph and takes the deletion
   * back with an UndoManager, the way a restore's revert does: the text comes back as new items
   * of Carol's client. The overrides the server would store say whose text each copy re-creates.
   */
  function restoredByCarol() {
    const alice = new Y.Doc();
    const bob = new Y.Doc();
    const carol = new Y.Doc();
    // Fixed client ids: the order Yjs re-creates items in, and so its merging them, follows them.
    [alice.clientID, bob.clientID, carol.clientID] = [200, 100, 300];
    const text = new Y.XmlText();
    alice.getXmlFragment('default').insert(0, [paragraph(text)]);
    text.insert(0, 'aaaa');
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
    ((bob.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(4, 'bbb');
    Y.applyUpdate(carol, Y.encodeStateAsUpdate(bob));
    const body = carol.getXmlFragment('default');
    const undo = new Y.UndoManager(body);
    body.delete(0, body.length);
    undo.undo();
    const clients: Record<string, string> = { '200': 'alice', '100': 'bob', '300': 'carol' };
    const overrides: AuthorshipResponse['overrides'] = [];
    carol.store.clients.forEach((structs, client) => {
      if (client === carol.clientID) return;
      for (const struct of structs) {
        if (struct instanceof Y.Item && struct.redone) {
          overrides.push({ client: '300', clock: struct.redone.clock, length: struct.length, author: clients[String(client)] });
        }
      }
    });
    const authorship: AuthorshipResponse = {
      clients,
      authors: ['alice', 'bob', 'carol'].map((id) => ({ id, name: id.toUpperCase(), color: '#175cd3' })),
      deletions: [],
      overrides,
    };
    // A viewer receives the restore as one update, as the server forwards it.
    const viewer = new Y.Doc();
    Y.applyUpdate(viewer, Y.encodeStateAsUpdate(carol));
    return { carol, viewer, authorship };
  }

  const viewerDirectory = (authorship: AuthorshipResponse) =>
    createAuthorDirectory({ authorship, presence: new Map(), self: { clientId: 1, authorId: 'viewer', identity: { name: 'Me', color: '#b42318' } } });

  it('paints the copies as their original authors’, split inside the one item Yjs merged them into', () => {
    const { viewer, authorship } = restoredByCarol();
    const restoredText = (viewer.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    expect(restoredText._start?.id.client).toBe(300);
    expect(restoredText._start?.content.getContent().join('')).toBe('aaaabbb');
    expect(restoredText._start?.right).toBeNull();

    const { pmDoc, mapping } = render(viewer);
    const paint = paintAuthors(pmDoc, mapping, textblockClientRuns, viewerDirectory(authorship));
    expect(paintedRanges(paint, pmDoc).map(({ text, author }) => [text, author])).toEqual([
      ['aaaa', 'alice'],
      ['bbb', 'bob'],
    ]);
    expect(paint.authors.map(({ id, length }) => [id, length])).toEqual([
      ['alice', 4],
      ['bob', 3],
    ]);
    expect(paint.unboundClients).toEqual([]);
    // Without the overrides it is all the restorer's, as the binding alone says.
    const unsplit = paintAuthors(pmDoc, mapping, textblockClientRuns, viewerDirectory({ ...authorship, overrides: [] }));
    expect(paintedRanges(unsplit, pmDoc).map(({ text, author }) => [text, author])).toEqual([['aaaabbb', 'carol']]);
  });

  it('keeps them theirs as Carol types inside them, repainting from the cached runs', () => {
    const { carol, viewer, authorship } = restoredByCarol();
    carol.on('update', (update: Uint8Array) => Y.applyUpdate(viewer, update));
    const directory = viewerDirectory(authorship);
    const cache = new ClientRunCache(viewer);
    let rendered = render(viewer);
    let paint = paintAuthors(rendered.pmDoc, rendered.mapping, (element) => cache.runsOf(element), directory);
    cache.takeChanged();

    ((carol.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(2, 'c');
    const before = rendered.pmDoc;
    rendered = render(viewer);
    paint = repaint(paint, before, rendered, cache, directory);
    expect(paintedRanges(paint, rendered.pmDoc).map(({ text, author }) => [text, author])).toEqual([
      ['aa', 'alice'],
      ['c', 'carol'],
      ['aa', 'alice'],
      ['bbb', 'bob'],
    ]);
    expect(paintedRanges(paint, rendered.pmDoc)).toEqual(paintedRanges(paintAuthors(rendered.pmDoc, rendered.mapping, textblockClientRuns, directory), rendered.pmDoc));
    cache.destroy();
  });
});
