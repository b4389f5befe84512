/** Avatar stack: initials and the "+N" overflow. */
import { describe, expect, it } from 'vitest';
import { initialsOf, MAX_VISIBLE_AVATARS, splitAvatars } from './presence-avatars';

describe('initialsOf', () => {
  it('takes the first letters of the first and last words', () => {
    expect(initialsOf('Curious Otter')).toBe('CO');
    expect(initialsOf('ada  lovelace byron')).toBe('AB');
    expect(initialsOf('Alice')).toBe('A');
    expect(initialsOf('  ')).toBe('?');
    expect(initialsOf('Émile 🦊Zola')).toBe('É🦊');
  });
});

describe('splitAvatars', () => {
  it(`shows up to ${MAX_VISIBLE_AVATARS} people, and folds the rest into one "+N"`, () => {
    const five = [1, 2, 3, 4, 5];
    expect(splitAvatars(five)).toEqual({ shown: five, folded: [] });
    expect(splitAvatars([1, 2, 3, 4, 5, 6, 7])).toEqual({ shown: [1, 2, 3, 4], folded: [5, 6, 7] });
  });
});
