/**
 * Where a browser finds the sync server and the API: this page's origin by default, or the
 * configured PUBLIC_SYNC_URL (and the HTTP origin derived from it) when the server runs apart.
 */
import { describe, expect, it } from 'vitest';
import { apiBaseFor, commentSyncUrlFor, syncUrlFor, viewSyncUrlFor } from './sync-url';

const plain = { protocol: 'http:', host: 'localhost:3000' };
const secure = { protocol: 'https:', host: 'docs.example.com' };

describe('syncUrlFor', () => {
  it("uses this origin's /sync, with ws for http and wss for https", () => {
    expect(syncUrlFor(plain)).toBe('ws://localhost:3000/sync');
    expect(syncUrlFor(secure, null)).toBe('wss://docs.example.com/sync');
  });

  it('uses the configured URL without trailing slashes', () => {
    expect(syncUrlFor(plain, 'wss://sync.example.com/sync/')).toBe('wss://sync.example.com/sync');
  });
});

describe('viewSyncUrlFor', () => {
  it('appends /view to the sync base, so sockets land on /sync/view/<viewId>', () => {
    expect(viewSyncUrlFor(plain)).toBe('ws://localhost:3000/sync/view');
    expect(viewSyncUrlFor(plain, 'wss://sync.example.com/sync/')).toBe('wss://sync.example.com/sync/view');
  });
});

describe('commentSyncUrlFor', () => {
  it('appends /comment to the sync base, so sockets land on /sync/comment/<commentId>', () => {
    expect(commentSyncUrlFor(plain)).toBe('ws://localhost:3000/sync/comment');
    expect(commentSyncUrlFor(secure, 'wss://sync.example.com/sync/')).toBe('wss://sync.example.com/sync/comment');
  });
});

describe('apiBaseFor', () => {
  it("is this page's origin when no sync URL is configured", () => {
    expect(apiBaseFor(plain)).toBe('http://localhost:3000');
    expect(apiBaseFor(secure, null)).toBe('https://docs.example.com');
    expect(apiBaseFor(secure, '')).toBe('https://docs.example.com');
  });

  it.each([
    ['wss with /sync', 'wss://sync.example.com/sync', 'https://sync.example.com'],
    ['ws with a port', 'ws://127.0.0.1:1234/sync', 'http://127.0.0.1:1234'],
    ['a trailing slash', 'wss://sync.example.com/sync/', 'https://sync.example.com'],
    ['a path prefix', 'wss://example.com/tandem/sync', 'https://example.com/tandem'],
    ['no /sync suffix', 'wss://sync.example.com', 'https://sync.example.com'],
    ['an http URL', 'http://sync.internal:8080/sync', 'http://sync.internal:8080'],
  ])('derives the API origin from a configured sync URL: %s', (_label, configured, expected) => {
    expect(apiBaseFor(plain, configured)).toBe(expected);
  });

  it('only strips a whole trailing /sync segment', () => {
    expect(apiBaseFor(plain, 'wss://example.com/async')).toBe('https://example.com/async');
  });
});
