/**
 * Which URLs a document may carry. Links may point to web pages and mail addresses; images
 * only to web addresses. Anything with another scheme (javascript:, data:, vbscript:, ...) is
 * refused wherever a URL enters the document: the link and image dialogs, pasted and
 * autolinked text, imported Markdown.
 */

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_PROTOCOLS = new Set(['http:', 'https:']);
const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]*:/i;

/** True for relative URLs and for http(s) and mailto URLs: what a link mark may hold. */
export function isAllowedLinkHref(href: string): boolean {
  return hasAllowedScheme(href, LINK_PROTOCOLS);
}

/** True for relative URLs and for http(s) URLs: what an image may be loaded from. */
export function isAllowedImageSrc(src: string): boolean {
  return hasAllowedScheme(src, IMAGE_PROTOCOLS);
}

/**
 * The URL's scheme as a browser or a Markdown renderer reads it is one of `protocols`, or it
 * has none (a relative or protocol-relative URL, resolved against http(s)). CommonMark and HTML
 * decode character references in URLs ("jav&#x61;script:", "javascript&colon;"), and browsers
 * ignore control characters and spaces inside a scheme ("java\tscript:"); both are undone
 * before looking. A named reference this cannot decode, before any colon, is refused.
 */
function hasAllowedScheme(url: string, protocols: Set<string>): boolean {
  const compact = decodeCharacterReferences(url).replace(/[\u0000-\u0020\u007f]/g, '');
  const colon = compact.indexOf(':');
  if (/&[A-Za-z][A-Za-z0-9]*;/.test(colon === -1 ? compact : compact.slice(0, colon))) return false;
  if (!SCHEME_PATTERN.test(compact)) return true;
  return protocols.has(compact.slice(0, colon + 1).toLowerCase());
}

/** Named references that can spell or split a scheme; others are refused where they could. */
const NAMED_REFERENCES: Record<string, string> = { colon: ':', tab: '\t', newline: '\n', amp: '&', nbsp: ' ' };

/** `text` with numeric (`&#97;`, `&#x61;`) and the NAMED_REFERENCES decoded, repeatedly (`&amp;#x61;`). */
function decodeCharacterReferences(text: string): string {
  let current = text;
  for (let round = 0; round < 5; round++) {
    const next = current.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]*);?/g, (reference, body: string) => {
      if (body.startsWith('#')) {
        const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
      }
      return NAMED_REFERENCES[body.toLowerCase()] ?? reference;
    });
    if (next === current) return next;
    current = next;
  }
  return current;
}

/**
 * What a person typed into the link field, as an absolute http(s)/mailto URL, or null if it
 * cannot be one. "example.com/page" becomes "https://example.com/page".
 */
export function normalizeLinkInput(input: string): string | null {
  return normalizeAbsolute(input, LINK_PROTOCOLS);
}

/** What a person typed into the image URL field, as an absolute http(s) URL, or null. */
export function normalizeImageInput(input: string): string | null {
  return normalizeAbsolute(input, IMAGE_PROTOCOLS);
}

function normalizeAbsolute(input: string, protocols: Set<string>): string | null {
  const trimmed = input.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return null;
  const withScheme = SCHEME_PATTERN.test(trimmed) ? trimmed : `https://${trimmed.replace(/^\/\//, '')}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // Not parseable as a URL at all.
    return null;
  }
  if (!protocols.has(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && !url.hostname.includes('.') && url.hostname !== 'localhost') return null;
  return url.protocol === 'mailto:' ? withScheme : url.href;
}

/**
 * What an image node may hold as its src: an allowed address that is not empty. A pasted
 * screenshot's HTML carries `data:` or `blob:` sources (or none), which would be broken images
 * for everyone else; such images are uploaded instead (lib/editor/image-uploads.ts).
 */
export function isStorableImageSrc(src: string | null | undefined): boolean {
  return typeof src === 'string' && src.trim() !== '' && isAllowedImageSrc(src);
}
