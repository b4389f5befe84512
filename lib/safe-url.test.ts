import { describe, expect, it } from 'vitest';
import { isAllowedImageSrc, isAllowedLinkHref, normalizeImageInput, normalizeLinkInput } from './safe-url';

describe('link addresses', () => {
  it('accepts web and mail addresses, adding https:// to a bare host', () => {
    expect(normalizeLinkInput('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(normalizeLinkInput('  example.com/docs ')).toBe('https://example.com/docs');
    expect(normalizeLinkInput('http://localhost:3000/')).toBe('http://localhost:3000/');
    expect(normalizeLinkInput('mailto:team@example.com')).toBe('mailto:team@example.com');
  });

  it('refuses scripts, data, other schemes, spaces and non-hosts', () => {
    for (const input of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'ftp://example.com', 'file:///etc/passwd', 'not a url', '', 'intranet']) {
      expect(normalizeLinkInput(input), input).toBeNull();
    }
  });

  it('lets the schema keep relative links and refuse hidden script schemes', () => {
    expect(isAllowedLinkHref('/d/room')).toBe(true);
    expect(isAllowedLinkHref('#section')).toBe(true);
    expect(isAllowedLinkHref('mailto:a@example.com')).toBe(true);
    expect(isAllowedLinkHref('java\tscript:alert(1)')).toBe(false);
    expect(isAllowedLinkHref(' javascript:alert(1)')).toBe(false);
  });
});

describe('image addresses', () => {
  it('accepts only http(s)', () => {
    expect(normalizeImageInput('https://example.com/a.png')).toBe('https://example.com/a.png');
    expect(normalizeImageInput('example.com/a.png')).toBe('https://example.com/a.png');
    expect(normalizeImageInput('mailto:a@example.com')).toBeNull();
    expect(normalizeImageInput('data:image/png;base64,AAAA')).toBeNull();
    expect(isAllowedImageSrc('data:image/png;base64,AAAA')).toBe(false);
    expect(isAllowedImageSrc('images/a.png')).toBe(true);
  });
});
