/** Who a client id is: the server's bindings, presence before the server answers, and "you". */
import { describe, expect, it } from 'vitest';
import type { AuthorshipResponse } from '../protocol/history-api';
import { createAuthorDirectory, PRESENCE_AUTHOR_PREFIX, UNNAMED_AUTHOR, UNNAMED_AUTHOR_COLOR } from './author-directory';

const SELF_CLIENT = 101;
const self = { clientId: SELF_CLIENT, authorId: 'a1b2c3d4e5f60718', identity: { name: 'Alice', color: '#175cd3' } };

const authorship: AuthorshipResponse = {
  clients: { '7': 'bob-id', '8': 'bob-id', '9': 'carol-id', '10': 'ghost-id', '11': self.authorId },
  authors: [
    { id: 'bob-id', name: 'Bob (then)', color: '#b42318' },
    { id: 'carol-id', name: 'Carol', color: '#2f7a0c' },
    { id: self.authorId, name: 'Alice (then)', color: '#9e2a9b' },
  ],
  deletions: [],
  overrides: [],
};

describe('createAuthorDirectory', () => {
  it('names clients from the server’s bindings and records', () => {
    const directory = createAuthorDirectory({ authorship, presence: new Map(), self });
    expect(directory.authorOf(9)).toEqual({ id: 'carol-id', name: 'Carol', color: '#2f7a0c', isSelf: false });
    // Two sessions of one author are one author.
    expect(directory.authorOf(7)).toEqual(directory.authorOf(8));
  });

  it('names this browser’s text as "you" with its current name and colour, before and after the server binds it', () => {
    const before = createAuthorDirectory({ authorship: null, presence: new Map(), self });
    expect(before.authorOf(SELF_CLIENT)).toEqual({ id: self.authorId, name: 'Alice', color: '#175cd3', isSelf: true });
    const after = createAuthorDirectory({ authorship, presence: new Map(), self });
    // An earlier session's client id of the same author key is "you" too.
    expect(after.authorOf(11)).toEqual({ id: self.authorId, name: 'Alice', color: '#175cd3', isSelf: true });
  });

  it('takes this page’s binding as "you" when the server knows the author by another id (token mode)', () => {
    const tokenAuthorship = { ...authorship, clients: { ...authorship.clients, [String(SELF_CLIENT)]: 'sub-of-token', '12': 'sub-of-token' } };
    const directory = createAuthorDirectory({ authorship: tokenAuthorship, presence: new Map(), self });
    expect(directory.authorOf(12)).toMatchObject({ id: 'sub-of-token', isSelf: true, name: 'Alice' });
  });

  it('names someone typing now from presence before the server has bound their client id', () => {
    const presence = new Map([[42, { name: 'Dan', color: '#c4320a' }]]);
    const directory = createAuthorDirectory({ authorship, presence, self });
    expect(directory.authorOf(42)).toEqual({ id: `${PRESENCE_AUTHOR_PREFIX}42`, name: 'Dan', color: '#c4320a', isSelf: false });
  });

  it('shows a present author under their current presence name and colour, for every session of theirs', () => {
    const presence = new Map([[8, { name: 'Bob', color: '#067647' }]]);
    const directory = createAuthorDirectory({ authorship, presence, self });
    expect(directory.authorOf(7)).toEqual({ id: 'bob-id', name: 'Bob', color: '#067647', isSelf: false });
  });

  it('returns null for a client nobody names, and a neutral unnamed author for a binding without a record', () => {
    const directory = createAuthorDirectory({ authorship, presence: new Map(), self });
    expect(directory.authorOf(999)).toBeNull();
    expect(directory.authorOf(10)).toEqual({ id: 'ghost-id', name: UNNAMED_AUTHOR, color: UNNAMED_AUTHOR_COLOR, isSelf: false });
  });

  it('gives the clocks attribution overrides cover to their authors, split at the overrides’ edges, the rest to the client’s', () => {
    // Client 9 (Carol's) restored Bob's text at clocks 10–19 and "your" text at 25–29.
    const restored = {
      ...authorship,
      overrides: [
        { client: '9', clock: 25, length: 5, author: self.authorId },
        { client: '9', clock: 10, length: 10, author: 'bob-id' },
      ],
    };
    const directory = createAuthorDirectory({ authorship: restored, presence: new Map(), self });
    const spans = (client: number, clock: number, length: number) => {
      const seen: [number, string | null, number][] = [];
      directory.eachAuthor(client, clock, length, (visited, author, size) => seen.push([visited, author?.name ?? null, size]));
      return seen;
    };
    // One run across both overrides and the gaps around them.
    expect(spans(9, 5, 30)).toEqual([
      [9, 'Carol', 5],
      [9, 'Bob (then)', 10],
      [9, 'Carol', 5],
      [9, 'Alice', 5],
      [9, 'Carol', 5],
    ]);
    // Inside one override, at its edges, and clear of them.
    expect(spans(9, 12, 3)).toEqual([[9, 'Bob (then)', 3]]);
    expect(spans(9, 19, 2)).toEqual([
      [9, 'Bob (then)', 1],
      [9, 'Carol', 1],
    ]);
    expect(spans(9, 20, 5)).toEqual([[9, 'Carol', 5]]);
    expect(spans(9, 30, 4)).toEqual([[9, 'Carol', 4]]);
    // Other clients' clocks are theirs, whatever the clock.
    expect(spans(7, 10, 10)).toEqual([[7, 'Bob (then)', 10]]);
    expect(spans(999, 10, 2)).toEqual([[999, null, 2]]);
  });
});
