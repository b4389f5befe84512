/**
 * Comment bodies are plain text (never HTML); links in them are recognised when shown. Only
 * http(s) addresses become links, so a body cannot smuggle a `javascript:` one.
 */

export type BodyPart = { kind: 'text'; text: string } | { kind: 'link'; href: string; text: string };

/** An http(s) address up to whitespace; closing punctuation at its end stays text. */
const LINK = /https?:\/\/[^\s<>"]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/** `body` as text and links, in order; joined, the parts' text is the body. */
export function bodyParts(body: string): BodyPart[] {
  const parts: BodyPart[] = [];
  let last = 0;
  for (const match of body.matchAll(LINK)) {
    const href = match[0].replace(TRAILING_PUNCTUATION, '');
    if (!URL.canParse(href)) continue;
    if (match.index > last) parts.push({ kind: 'text', text: body.slice(last, match.index) });
    parts.push({ kind: 'link', href, text: href });
    last = match.index + href.length;
  }
  if (last < body.length) parts.push({ kind: 'text', text: body.slice(last) });
  return parts;
}
