/** The comment panel's text helpers: relative times and links recognised in plain-text bodies. */
import { describe, expect, it } from 'vitest';
import { bodyParts } from './comment-links';
import { relativeTime } from './relative-time';

const now = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('relativeTime', () => {
  it('reads as minutes, hours and days ago, then the date', () => {
    expect(relativeTime(now - 20_000, now)).toBe('just now');
    expect(relativeTime(now + 90_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTime(now - 3 * 3_600_000 - 1, now)).toBe('3 h ago');
    expect(relativeTime(now - 26 * 3_600_000, now)).toBe('yesterday');
    expect(relativeTime(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(relativeTime(now - 30 * 86_400_000, now)).toMatch(/2026/);
  });
});

describe('bodyParts', () => {
  it('makes http(s) addresses links, leaves closing punctuation and everything else as text', () => {
    expect(bodyParts('see https://example.com/a?b=1. and javascript:alert(1)')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1' },
      { kind: 'text', text: '. and javascript:alert(1)' },
    ]);
    expect(bodyParts('<b>not html</b>')).toEqual([{ kind: 'text', text: '<b>not html</b>' }]);
    expect(bodyParts('')).toEqual([]);
  });
});
