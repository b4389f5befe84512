/** The shape check of authorship answers: today's, an older server's, and malformed ones. */
import { describe, expect, it } from 'vitest';
import { isAuthorship } from './api-client';

const today = {
  clients: { '7': 'alice-id', '4000000000': 'carol-id' },
  authors: [{ id: 'alice-id', name: 'Alice', color: '#175cd3' }],
  deletions: [],
  overrides: [{ client: '4000000000', clock: 0, length: 12, author: 'alice-id' }],
};

describe('isAuthorship', () => {
  it('accepts an answer with attribution overrides, and one from a server that sends none', () => {
    expect(isAuthorship(today)).toBe(true);
    expect(isAuthorship({ ...today, overrides: [] })).toBe(true);
    const { overrides: _none, ...older } = today;
    expect(isAuthorship(older)).toBe(true);
  });

  it('refuses overrides that are not a list of client id, clock range and author', () => {
    const override = today.overrides[0];
    for (const overrides of [
      'x',
      [null],
      [{ ...override, client: 7 }],
      [{ ...override, client: 'seven' }],
      [{ ...override, clock: -1 }],
      [{ ...override, clock: 0.5 }],
      [{ ...override, length: 0 }],
      [{ ...override, author: null }],
    ]) {
      expect({ overrides, accepted: isAuthorship({ ...today, overrides }) }).toEqual({ overrides, accepted: false });
    }
  });
});
