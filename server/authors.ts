/**
 * Who a connection writes as (lib/protocol/author-id.ts). A browser's author key becomes a
 * public id by hashing, so the ids history shows cannot be sent back as keys; a token's `sub`
 * claim is the author id itself (its issuer vouches for it). A connection that says neither is
 * the shared anonymous author: stock y-websocket clients and scripts keep working, and can
 * write only with client ids that no named author holds.
 */
import { createHash } from 'node:crypto';
import { AUTHOR_ID_DOMAIN, AUTHOR_PARAM, isValidAuthorKey } from '../lib/protocol/author-id';

/** The author id of every connection that names none. */
export const ANONYMOUS_AUTHOR_ID = 'anonymous';

/** Longest `sub` claim taken as an author id. */
const MAX_SUBJECT_LENGTH = 128;

export interface ConnectionAuthor {
  id: string;
  /** The token's `name` claim, which overrides the presence name (token mode). */
  vouchedName: string | null;
  /** A colour given with the author (the server writing for someone); else presence's. */
  vouchedColor?: string;
}

/** The public author id of a browser's author key. */
export function authorIdForKey(key: string): string {
  return createHash('sha256').update(AUTHOR_ID_DOMAIN + key).digest('hex').slice(0, 16);
}

/**
 * The author of an upgrade: the token's subject when it names one, else the URL's author key
 * (an invalid key counts as none), else anonymous.
 */
export function authorOf(url: URL, claims: { sub?: string; name?: string } | null): ConnectionAuthor {
  const vouchedName = claims?.name ?? null;
  const subject = claims?.sub;
  if (typeof subject === 'string' && subject.length > 0 && subject.length <= MAX_SUBJECT_LENGTH) return { id: subject, vouchedName };
  const key = url.searchParams.get(AUTHOR_PARAM);
  if (isValidAuthorKey(key)) return { id: authorIdForKey(key), vouchedName };
  return { id: ANONYMOUS_AUTHOR_ID, vouchedName };
}
