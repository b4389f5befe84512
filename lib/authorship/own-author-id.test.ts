/** The browser's own author id agrees with the server's derivation (SHA-256 over domain + key). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUTHOR_ID_DOMAIN } from '../protocol/author-id';
import { authorIdForKey } from './own-author-id';

describe('authorIdForKey', () => {
  it.each(['AAAAAAAAAAAAAAAAAAAAAA', '-_v7-_v7-_v7-_v7-_v7-w', 'Zm9vYmFyYmF6cXV4cXV1eA0123456789abcdef'])('matches the server for %s', (key) => {
    const expected = createHash('sha256').update(AUTHOR_ID_DOMAIN + key).digest('hex').slice(0, 16);
    expect(authorIdForKey(key)).toBe(expected);
  });

  it('hashes the domain with the key, so the id is not the hash of the bare key', () => {
    const bare = createHash('sha256').update('AAAAAAAAAAAAAAAAAAAAAA').digest('hex').slice(0, 16);
    expect(authorIdForKey('AAAAAAAAAAAAAAAAAAAAAA')).not.toBe(bare);
    expect(authorIdForKey('AAAAAAAAAAAAAAAAAAAAAA')).toMatch(/^[0-9a-f]{16}$/);
  });
});
