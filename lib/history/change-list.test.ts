import { getSchema, type JSONContent } from '@tiptap/core';
import { Node } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import { listChanges } from './change-list';
import { changeAttributes, historyContentExtensions } from './history-schema';

const schema = getSchema(historyContentExtensions());
const color = { light: '#175cd3', dark: '#175cd3' };

const added = (user: string) => ({ type: 'ychange', attrs: { user, type: 'added', color } });
const removed = (user: string) => ({ type: 'ychange', attrs: { user, type: 'removed', color } });
const text = (value: string, marks?: JSONContent['marks']): JSONContent => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (content: JSONContent[], ychange: unknown = null): JSONContent => ({ type: 'paragraph', attrs: { ychange }, content });

/** A document as y-tiptap renders a diff into the viewer's schema (it must fit the schema). */
function rendered(...content: JSONContent[]) {
  const doc = Node.fromJSON(schema, { type: 'doc', content });
  doc.check();
  return doc;
}

describe('listChanges', () => {
  it('counts each author’s run of added or removed text once, in document order', () => {
    const doc = rendered(
      paragraph([text('Hello '), text('world', [removed('bob')]), text('Tandem', [added('bob')]), text(' and '), text('more', [added('alice')])]),
    );
    expect(listChanges(doc).map(({ type, author }) => `${type} by ${author}`)).toEqual(['removed by bob', 'added by bob', 'added by alice']);
    const [worldRemoved] = listChanges(doc);
    expect(doc.textBetween(worldRemoved.from, worldRemoved.to)).toBe('world');
  });

  it('keeps one insertion one change across a formatting boundary', () => {
    const doc = rendered(paragraph([text('Tan', [added('bob')]), text('dem', [{ type: 'bold' }, added('bob')])]));
    expect(listChanges(doc)).toHaveLength(1);
    expect(doc.textBetween(listChanges(doc)[0].from, listChanges(doc)[0].to)).toBe('Tandem');
  });

  it('counts an added paragraph with its text as one change, and adjacent added paragraphs of one author together', () => {
    const doc = rendered(
      paragraph([text('Kept')]),
      paragraph([text('New one', [added('alice')])], { user: 'alice', type: 'added', color }),
      paragraph([text('New two', [added('alice')])], { user: 'alice', type: 'added', color }),
      paragraph([text('Gone', [removed('bob')])], { user: 'bob', type: 'removed', color }),
    );
    const changes = listChanges(doc);
    expect(changes.map(({ type, author }) => `${type} by ${author}`)).toEqual(['added by alice', 'removed by bob']);
    expect(doc.textBetween(changes[0].from, changes[0].to, '|')).toBe('New one|New two');
  });

  it('finds no changes in a version shown without a diff', () => {
    expect(listChanges(rendered(paragraph([text('Just text')])))).toEqual([]);
  });
});

describe('changeAttributes', () => {
  it('gives the kind, the author and the colour as a CSS variable, and only a #rrggbb colour', () => {
    expect(changeAttributes({ user: 'bob', type: 'removed', color })).toEqual({
      'data-change': 'removed',
      'data-author': 'bob',
      style: '--change-color: #175cd3',
    });
    expect(changeAttributes({ user: 'x', type: 'added', color: 'red; background: url(https://evil)' }).style).toBe('--change-color: #667085');
    expect(changeAttributes(null)).toEqual({});
  });
});
