/**
 * What "Show authors" costs the browser on a large document: automerge-paper's final text
 * (104,852 characters, one paragraph per line) written by three clients in stretches of 5–40
 * characters, rendered by y-tiptap, then painted (lib/authorship/author-paint.ts) in full, and
 * again after one remote keystroke as the editor does it (the old decorations mapped through
 * the change, only the changed textblock read and decorated again). Prints medians; not a test.
 *
 *   node --import tsx bench/authorship-paint.ts [--overrides]
 *
 * `--overrides`: a third of the text is restored text whose authors come from attribution
 * overrides, split every 20 clocks (the lookup's worst case).
 */
import { getSchema } from '@tiptap/core';
import { initProseMirrorDoc } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { createAuthorDirectory } from '../lib/authorship/author-directory';
import { docChange, paintAuthors, type AuthorPaint, type BindingMapping } from '../lib/authorship/author-paint';
import { ClientRunCache, textblockClientRuns } from '../lib/authorship/client-runs';
import { contentExtensions } from '../lib/editor/editor-extensions';
import { loadTrace } from '../test/support/traces';

const ROUNDS = 30;
const CLIENTS = [1001, 1002, 1003];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const text = loadTrace('automerge-paper.json.gz').endContent;
const doc = new Y.Doc();
const fragment = doc.getXmlFragment('default');
let seed = 7;
const random = () => {
  seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
  return seed / 2 ** 32;
};
// Paragraphs first (one client), then their text in stretches by three clients in turn.
const lines = text.split('\n');
doc.clientID = CLIENTS[0];
const texts = lines.map(() => new Y.XmlText());
fragment.insert(0, texts.map((ytext) => {
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [ytext]);
  return paragraph;
}));
lines.forEach((line, index) => {
  for (let at = 0; at < line.length; ) {
    const length = Math.min(line.length - at, 5 + Math.floor(random() * 36));
    doc.clientID = CLIENTS[Math.floor(random() * CLIENTS.length)];
    texts[index].insert(at, line.slice(at, at + length));
    at += length;
  }
});

const schema = getSchema(contentExtensions());
/**
 * With `overridden`, the third client's text is as if a restore re-created it: every other
 * stretch of 20 of its clocks is the first author's (attribution overrides), the worst case
 * for the lookup, since every run of that client is split.
 */
const directoryFor = (overridden: boolean) => {
  const restorer = CLIENTS[2];
  const clocks = Y.getState(doc.store, restorer);
  const overrides = [];
  if (overridden) for (let clock = 0; clock < clocks; clock += 40) overrides.push({ client: String(restorer), clock, length: 20, author: 'author-0' });
  return createAuthorDirectory({
    authorship: {
      clients: Object.fromEntries(CLIENTS.map((client, i) => [String(client), `author-${i}`])),
      authors: CLIENTS.map((_client, i) => ({ id: `author-${i}`, name: `Author ${i}`, color: '#175cd3' })),
      deletions: [],
      overrides,
    },
    presence: new Map(),
    self: { clientId: CLIENTS[0], authorId: 'author-0', identity: { name: 'Me', color: '#175cd3' } },
  });
};
const overridden = process.argv.includes('--overrides');
const directory = directoryFor(overridden);
const cache = new ClientRunCache(doc);

let rendered = initProseMirrorDoc(fragment, schema);
const mappingOf = () => rendered.mapping as BindingMapping;
let painted: AuthorPaint = paintAuthors(rendered.doc, mappingOf(), (element) => cache.runsOf(element), directory);
cache.takeChanged();
const first = painted;

const full: number[] = [];
const repaint: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // One keystroke in a random paragraph, as a remote edit would arrive (the binding renders anew).
  doc.clientID = CLIENTS[round % CLIENTS.length];
  const target = texts[Math.floor(random() * texts.length)];
  target.insert(Math.floor(random() * (target.length + 1)), 'x');
  const before = rendered.doc;
  rendered = initProseMirrorDoc(fragment, schema);
  repaint.push(
    time(() => {
      const change = docChange(before, rendered.doc);
      const changed = cache.takeChanged();
      painted = paintAuthors(rendered.doc, mappingOf(), (element) => cache.runsOf(element), directory, {
        decorations: change ? painted.decorations.map(change.mapping, rendered.doc) : painted.decorations,
        range: change?.range ?? null,
        changed: (element) => changed.has(element) || !cache.holds(element),
      });
    }),
  );
  full.push(time(() => paintAuthors(rendered.doc, mappingOf(), textblockClientRuns, directory)));
}
cache.destroy();

console.log(
  `document: ${text.length} characters, ${lines.length} paragraphs, ${first.decorations.find().length} painted runs, ${first.skippedBlocks} skipped` +
    (overridden ? ', a third restored (attribution overrides every 20 clocks)' : ''),
);
console.log(`full paint (every item read, every decoration built): median ${median(full).toFixed(2)} ms`);
console.log(`repaint after one remote keystroke:                   median ${median(repaint).toFixed(2)} ms`);
