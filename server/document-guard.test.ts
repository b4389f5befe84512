/** The document guard in-process, on real Yjs documents and hand-made updates. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deletionOnly, handWrittenUpdate, nest, type HandStruct } from '../test/support/hostile-updates';
import { checkUpdate, countStructs, dropUnresolved, repairDocument, type DocumentLimits } from './document-guard';

const limits: DocumentLimits = {
  rootNames: new Set(['default', 'title']),
  maxNestingDepth: 64,
  maxStructs: 500_000,
  maxTitleLength: 0,
  titleRootName: 'title',
};

const check = (doc: Y.Doc, update: Uint8Array, overrides: Partial<DocumentLimits> = {}) =>
  checkUpdate(doc, Y.decodeUpdate(update), { ...limits, ...overrides }, countStructs(doc)).refusal?.reason ?? null;

function paragraph(doc: Y.Doc, text: string): void {
  const element = new Y.XmlElement('paragraph');
  element.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment('default').push([element]);
}

describe('checkUpdate', () => {
  it('accepts what the editor writes: body paragraphs, lists, tables and the title', () => {
    const source = new Y.Doc();
    paragraph(source, 'Hello');
    source.getText('title').insert(0, 'A title');
    const list = new Y.XmlElement('bulletList');
    const item = new Y.XmlElement('listItem');
    list.insert(0, [item]);
    source.getXmlFragment('default').push([list]);
    item.insert(0, [new Y.XmlElement('paragraph')]);
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(source))).toBeNull();
  });

  it('refuses content under any other root name', () => {
    const source = new Y.Doc();
    source.getText('notes').insert(0, 'x');
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(source))).toBe('unknown_root');
    const many = new Y.Doc();
    many.transact(() => {
      for (let i = 0; i < 1000; i++) many.getMap(`root-${i}`).set('k', i);
    });
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(many))).toBe('unknown_root');
  });

  it('refuses types nested past the limit, whether in one update or on top of what the doc holds', () => {
    const deep = new Y.Doc();
    nest(deep.getXmlFragment('default'), 65);
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(deep))).toBe('too_deep');

    const source = new Y.Doc();
    const innermost = nest(source.getXmlFragment('default'), 60);
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(source));
    expect(check(server, Y.encodeStateAsUpdate(source))).toBeNull();
    const before = Y.encodeStateVector(source);
    const level64 = nest(innermost, 4);
    const upTo64 = Y.encodeStateAsUpdate(source, before);
    expect(check(server, upTo64)).toBeNull();
    Y.applyUpdate(server, upTo64);
    const atLimit = Y.encodeStateVector(source);
    nest(level64, 1);
    // In one update with the levels below it, and alone on top of the doc's 64 levels.
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(source))).toBe('too_deep');
    expect(check(server, Y.encodeStateAsUpdate(source, atLimit))).toBe('too_deep');
  });

  it('lets text in at the deepest level, and still finds one new type among many characters', () => {
    const source = new Y.Doc();
    const innermost = nest(source.getXmlFragment('default'), 64);
    const text = new Y.XmlText('deep');
    innermost.insert(0, [text]);
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(source));
    const before = Y.encodeStateVector(source);
    // Keystrokes create no type: nothing in them can be too deep.
    text.insert(4, ' and deeper');
    const typing = Y.encodeStateAsUpdate(source, before);
    expect(Y.decodeUpdate(typing).structs.some((struct) => struct instanceof Y.Item && struct.content instanceof Y.ContentType)).toBe(false);
    expect(check(server, typing)).toBeNull();
    // The same characters with one element after them, in one update: the element is at depth 65.
    source.transact(() => {
      text.insert(text.length, ' still');
      innermost.insert(1, [new Y.XmlElement('blockquote')]);
      text.insert(0, '>');
    });
    expect(check(server, Y.encodeStateAsUpdate(source, before))).toBe('too_deep');
  });

  it('counts nesting through neighbours the doc already holds', () => {
    const source = new Y.Doc();
    const innermost = nest(source.getXmlFragment('default'), 64);
    innermost.insert(0, [new Y.XmlText('deep')]);
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(source));
    const before = Y.encodeStateVector(source);
    // Inserted after the text: its origin is in the doc, and it would be at depth 65.
    innermost.insert(1, [new Y.XmlElement('blockquote')]);
    expect(check(server, Y.encodeStateAsUpdate(source, before))).toBe('too_deep');
    const sibling = new Y.Doc();
    Y.applyUpdate(sibling, Y.encodeStateAsUpdate(server));
    const siblingBefore = Y.encodeStateVector(sibling);
    (sibling.getXmlFragment('default').firstChild as Y.XmlElement).insert(0, [new Y.XmlText('shallow')]);
    expect(check(server, Y.encodeStateAsUpdate(sibling, siblingBefore))).toBeNull();
  });

  it('refuses an update that would take the document past the struct cap, never a deletion', () => {
    const source = new Y.Doc();
    const map = source.getMap('title');
    for (let i = 0; i < 200; i++) map.set(`k${i}`, i);
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(source), { maxStructs: 100 })).toBe('too_many_structs');
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(source));
    const before = Y.encodeStateVector(source);
    for (let i = 0; i < 200; i++) map.delete(`k${i}`);
    expect(check(server, Y.encodeStateAsUpdate(source, before), { maxStructs: 100 })).toBeNull();
  });
});

describe('checkUpdate against hand-written updates (review of the first version)', () => {
  /** A chain of `levels` nested arrays of `client` under the body, with JSON inside the last. */
  function nestedArrays(client: number, levels: number): HandStruct[] {
    const structs: HandStruct[] = [{ clock: 0, parentRoot: 'default', content: { arrayType: true } }];
    for (let clock = 1; clock < levels; clock++) structs.push({ clock, parentItem: [client, clock - 1], content: { arrayType: true } });
    structs.push({ clock: levels, parentItem: [client, levels - 1], content: { json: ['a', 'b'] } });
    return structs;
  }
  const apply = (doc: Y.Doc, update: Uint8Array) => {
    const reason = check(doc, update);
    if (reason === null) Y.applyUpdate(doc, update);
    return reason;
  };

  it('checks the root name of structs the doc already holds (Yjs defines a root for each name it reads)', () => {
    const server = new Y.Doc();
    expect(apply(server, handWrittenUpdate([{ client: 7, structs: [{ clock: 0, parentRoot: 'title', content: { text: 'x' } }] }]))).toBeNull();
    const junk = handWrittenUpdate(Array.from({ length: 100 }, (_, i) => ({ client: 7, structs: [{ clock: 0, parentRoot: `r${i}`, content: { text: 'x' } }] })));
    expect(apply(server, junk)).toBe('unknown_root');
    expect(Array.from(server.share.keys())).toEqual(['title']);
  });

  it('refuses one client’s structs in two groups (Yjs keeps one, a decoy could stand in for the other)', () => {
    const server = new Y.Doc();
    expect(apply(server, handWrittenUpdate([{ client: 5, structs: nestedArrays(5, 64) }]))).toBeNull();
    const decoy: HandStruct[] = [{ clock: 0, parentRoot: 'default', content: { json: ['d0'] } }, { clock: 1, parentRoot: 'default', content: { json: ['d1'] } }];
    const real: HandStruct[] = [{ clock: 0, origin: [5, 64], content: { json: ['r0'] } }, { clock: 1, origin: [9, 0], content: { arrayType: true } }];
    expect(apply(server, handWrittenUpdate([{ client: 9, structs: decoy }, { client: 9, structs: real }]))).toBe('invalid_update');
  });

  it('takes the depth of a partly known struct’s new part from the doc, not from the parent it names', () => {
    const server = new Y.Doc();
    expect(apply(server, handWrittenUpdate([{ client: 3, structs: nestedArrays(3, 64) }]))).toBeNull();
    // Clocks 64–65 hold the JSON inside depth 64; a struct over [65, 67) names the body as parent.
    const shadow: HandStruct = { clock: 65, parentRoot: 'default', content: { json: ['x', 'y'] } };
    const deeper: HandStruct = { clock: 67, origin: [3, 65], content: { arrayType: true } };
    expect(apply(server, handWrittenUpdate([{ client: 3, structs: [shadow, deeper] }]))).toBe('too_deep');
  });

  it('counts the structs a deletion splits off, so deleting every other character cannot pass the cap', () => {
    const server = new Y.Doc();
    expect(apply(server, handWrittenUpdate([{ client: 4, structs: [{ clock: 0, parentRoot: 'title', content: { text: 'x'.repeat(2000) } }] }]))).toBeNull();
    const everyOther = Array.from({ length: 1000 }, (_, i): [number, number, number] => [4, 2 * i + 1, 1]);
    // 1 struct now, 2000 after: past the cap and its slack for deletions (1,000).
    expect(check(server, handWrittenUpdate([], everyOther), { maxStructs: 500 })).toBe('too_many_structs');
    // Deleting all of it, or one character out of the middle, still passes.
    expect(check(server, handWrittenUpdate([], [[4, 0, 2000]]), { maxStructs: 1 })).toBeNull();
    expect(check(server, handWrittenUpdate([], [[4, 1000, 1]]), { maxStructs: 1 })).toBeNull();
  });

  it('lets someone type into an element another person deleted meanwhile (Yjs collects it)', () => {
    const server = new Y.Doc();
    const alice = new Y.Doc();
    const bob = new Y.Doc();
    alice.getXmlFragment('default').insert(0, [new Y.XmlElement('paragraph')]);
    const created = Y.encodeStateAsUpdate(alice);
    expect(apply(server, created)).toBeNull();
    Y.applyUpdate(bob, created);
    const aliceBefore = Y.encodeStateVector(alice);
    alice.getXmlFragment('default').delete(0, 1);
    const bobBefore = Y.encodeStateVector(bob);
    (bob.getXmlFragment('default').get(0) as Y.XmlElement).insert(0, [new Y.XmlText('h')]);
    expect(apply(server, Y.encodeStateAsUpdate(alice, aliceBefore))).toBeNull();
    expect(apply(server, Y.encodeStateAsUpdate(bob, bobBefore))).toBeNull();
  });
});

describe('dropUnresolved', () => {
  it('drops structs whose predecessors never arrived: nothing of them is kept or served', () => {
    const author = new Y.Doc();
    const text = author.getText('title');
    text.insert(0, 'hello');
    const before = Y.encodeStateVector(author);
    text.insert(5, ' world');
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(author, before));
    expect(server.store.pendingStructs).not.toBeNull();
    expect(dropUnresolved(server)).toEqual({ structs: true, deletes: false });
    expect(server.store.pendingStructs).toBeNull();
    const joiner = new Y.Doc();
    Y.applyUpdate(joiner, Y.encodeStateAsUpdate(server));
    expect(joiner.store.pendingStructs).toBeNull();
    expect(dropUnresolved(server)).toBeNull();
  });

  it('drops a "future delete", so what its target types next is kept', () => {
    const victim = new Y.Doc();
    const server = new Y.Doc();
    victim.on('update', (update: Uint8Array) => Y.applyUpdate(server, update));
    victim.getText('title').insert(0, 'victim before. ');
    const clock = Y.getState(victim.store, victim.clientID);
    Y.applyUpdate(server, deletionOnly(victim.clientID, clock, 2 ** 40));
    expect(dropUnresolved(server)).toEqual({ structs: false, deletes: true });
    victim.getText('title').insert(15, 'victim after the attack.');
    expect(server.getText('title').toString()).toBe('victim before. victim after the attack.');
  });
});

describe('repairDocument', () => {
  it('deletes types nested past the limit, deepest first, keeping the rest readable', () => {
    const poisoned = new Y.Doc();
    paragraph(poisoned, 'Honest text that matters.');
    const innermost = nest(poisoned.getXmlFragment('default'), 3000);
    innermost.insert(0, [new Y.XmlText('poison')]);
    const stored = Y.encodeStateAsUpdate(poisoned);

    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, stored);
    expect(() => loaded.getXmlFragment('default').toString()).toThrow(RangeError);
    const repair = repairDocument(loaded, 64);
    // 3000 quotes and the text node inside the last one are types at depths 1 to 3001.
    expect(repair.tooDeep).toBe(3001 - 64);
    expect(loaded.getXmlFragment('default').toString()).toContain('Honest text that matters.');
    // The repaired state loads and reads anywhere, and repairing again changes nothing.
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(loaded));
    expect(reloaded.getXmlFragment('default').toString()).toContain('Honest text that matters.');
    expect(repairDocument(reloaded, 64)).toEqual({ unresolved: null, tooDeep: 0 });
    // A delete of the top quote (what the review's 7-byte kick frame does) no longer throws.
    expect(() => reloaded.transact(() => reloaded.getXmlFragment('default').delete(0, 2))).not.toThrow();
  });
});

describe('title length (MAX_TITLE_LENGTH)', () => {
  const capped = { maxTitleLength: 20 };
  /** A doc whose title holds `text`, and the client that wrote it. */
  function titled(text: string): { doc: Y.Doc; author: Y.Doc } {
    const author = new Y.Doc();
    author.getText('title').insert(0, text);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(author));
    return { doc, author };
  }
  /** The update `edit` makes on `author`. */
  function edit(author: Y.Doc, change: (title: Y.Text) => void): Uint8Array {
    const before = Y.encodeStateVector(author);
    change(author.getText('title'));
    return Y.encodeStateAsUpdate(author, before);
  }

  it('accepts a title up to the cap, typed at once or a character at a time', () => {
    const { doc, author } = titled('');
    expect(check(doc, edit(author, (title) => title.insert(0, 'x'.repeat(20))), capped)).toBeNull();
    const slow = titled('x'.repeat(19));
    expect(check(slow.doc, edit(slow.author, (title) => title.insert(19, 'y')), capped)).toBeNull();
  });

  it('refuses an update that makes the title longer than the cap, from an empty doc or appended', () => {
    const empty = new Y.Doc();
    const source = new Y.Doc();
    source.getText('title').insert(0, 'x'.repeat(21));
    expect(check(empty, Y.encodeStateAsUpdate(source), capped)).toBe('title_too_long');
    const { doc, author } = titled('x'.repeat(20));
    // Inserted in the middle, at the start (right origin only) and at the end.
    expect(check(doc, edit(author, (title) => title.insert(10, 'y')), capped)).toBe('title_too_long');
    const { doc: doc2, author: author2 } = titled('x'.repeat(20));
    expect(check(doc2, edit(author2, (title) => title.insert(0, 'y')), capped)).toBe('title_too_long');
    const { doc: doc3, author: author3 } = titled('x'.repeat(20));
    expect(check(doc3, edit(author3, (title) => title.insert(20, 'y')), capped)).toBe('title_too_long');
  });

  it('counts what the same update deletes: retyping a full title is fine', () => {
    const { doc, author } = titled('x'.repeat(20));
    expect(check(doc, edit(author, (title) => {
      title.delete(0, 20);
      title.insert(0, 'y'.repeat(20));
    }), capped)).toBeNull();
  });

  it('leaves the body alone and has no cap at 0', () => {
    const source = new Y.Doc();
    paragraph(source, 'x'.repeat(500));
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(source), capped)).toBeNull();
    const long = new Y.Doc();
    long.getText('title').insert(0, 'x'.repeat(5_000));
    expect(check(new Y.Doc(), Y.encodeStateAsUpdate(long))).toBeNull();
  });
});
