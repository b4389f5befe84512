import { describe, expect, it } from 'vitest';
import { isAllowedImageSrc, isAllowedLinkHref, isStorableImageSrc, normalizeImageInput, normalizeLinkInput } from './safe-url';

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

  it('refuses script schemes disguised as character references, as CommonMark renderers decode them', () => {
    for (const href of [
      'jav&#x61;script:alert(1)',
      'jav&#X61;script:alert(1)',
      'jav&#97;script:alert(1)',
      '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)',
      'javascript&colon;alert(1)',
      'JaVaScRiPt&#x3A;alert(1)',
      'java&Tab;script:alert(1)',
      'java&NewLine;script:alert(1)',
      'jav&amp;#x61;script:alert(1)',
      'jav&#x61script:alert(1)',
      'vb&#x73;cript:msgbox(1)',
      '&unknownref;javascript:alert(1)',
    ]) {
      expect(isAllowedLinkHref(href), href).toBe(false);
    }
    expect(isAllowedImageSrc('d&#x61;ta:image/png;base64,AAAA')).toBe(false);
    expect(isAllowedLinkHref('https://example.com/search?q=a&amp;b&copy;=1')).toBe(true);
    expect(isAllowedLinkHref('/d/room?x=1&amp;y=2')).toBe(true);
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

describe('image sources a document may store', () => {
  it('takes web addresses (uploaded images included) and refuses none, empty, data: and blob: sources', () => {
    expect(isStorableImageSrc('https://docs.example.com/api/images/AbCdEfGhIjKlMnOpQrStUv')).toBe(true);
    expect(isStorableImageSrc('http://127.0.0.1:3000/api/images/AbCdEfGhIjKlMnOpQrStUv')).toBe(true);
    for (const src of [null, undefined, '', '   ', 'data:image/png;base64,AAAA', 'blob:https://docs.example.com/1234', 'javascript:alert(1)']) {
      expect(isStorableImageSrc(src), String(src)).toBe(false);
    }
  });
});
