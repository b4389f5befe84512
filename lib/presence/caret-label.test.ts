/** The letter a remote caret shows on a phone. */
import { describe, expect, it } from 'vitest';
import { caretInitialOf } from './caret-label';

describe('caretInitialOf', () => {
  it('is the first letter of the name, capitalised', () => {
    expect(caretInitialOf('bob')).toBe('B');
    expect(caretInitialOf('  Curious Otter ')).toBe('C');
  });

  it('keeps a character outside the Basic Multilingual Plane whole', () => {
    expect(caretInitialOf('𝒜lice')).toBe('𝒜');
  });

  it('marks a blank name', () => {
    expect(caretInitialOf('   ')).toBe('?');
  });
});
