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
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
  const compact = href.replace(/[\u0000-\u0020\u007f]/g, '');
  // No scheme: a relative or protocol-relative URL, resolved against http(s).
  if (!SCHEME_PATTERN.test(compact)) return true;
  return LINK_PROTOCOLS.has(compact.slice(0, compact.indexOf(':') + 1).toLowerCase());
}

/** True for relative URLs and for http(s) URLs: what an image may be loaded from. */
export function isAllowedImageSrc(src: string): boolean {
  const compact = src.replace(/[\u0000-\u0020\u007f]/g, '');
  if (!SCHEME_PATTERN.test(compact)) return true;
  return IMAGE_PROTOCOLS.has(compact.slice(0, compact.indexOf(':') + 1).toLowerCase());
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
