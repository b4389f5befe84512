/**
 * How a connection says who its author is. Each browser keeps a random author *key* with its
 * name and colour (lib/prefs/identity.ts) and sends it as `?author=<key>` on the sync URL. The
 * server never shows the key: an author's public id is derived from it (server/authors.ts:
 * the first 16 hex digits of SHA-256("tandem-author:" + key)), so the ids history lists cannot
 * be replayed to write in someone else's name. In token mode the token's `sub` claim, when
 * present, is the author id instead (and its `name` claim the display name).
 */

/** Query parameter carrying the browser's author key. */
export const AUTHOR_PARAM = 'author';

/** Author keys: 22–64 characters of base64url (a browser makes 22 from 16 random bytes). */
export const AUTHOR_KEY_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

export function isValidAuthorKey(value: unknown): value is string {
  return typeof value === 'string' && AUTHOR_KEY_PATTERN.test(value);
}

/** Prefix hashed with the key, so the public id is useless as a key anywhere else. */
export const AUTHOR_ID_DOMAIN = 'tandem-author:';
