/**
 * This browser's public author id, worked out from its author key exactly as the server does
 * (server/authors.ts: the first 16 hex digits of SHA-256 of AUTHOR_ID_DOMAIN + key), so the
 * legend can mark "you" before the server has bound this page's client id. lib0's SHA-256
 * works without crypto.subtle, which plain-http pages on another host do not have.
 */
import { digest } from 'lib0/hash/sha256';
import { AUTHOR_ID_DOMAIN } from '../protocol/author-id';

/** Hex digits of the hash kept as the id. */
const AUTHOR_ID_HEX_DIGITS = 16;

export function authorIdForKey(key: string): string {
  const hash = digest(new TextEncoder().encode(AUTHOR_ID_DOMAIN + key));
  return Array.from(hash, (byte) => byte.toString(16).padStart(2, '0')).join('').slice(0, AUTHOR_ID_HEX_DIGITS);
}
