/**
 * Room ids: the validator accepts exactly 1–128 URL-safe characters and nothing else, and
 * created ids are valid, carry 128 bits (22 base64url characters) and do not repeat.
 */
import { describe, expect, it } from 'vitest';
import { ROOM_ID_BYTES, createRoomId, isValidRoomId } from './room-id';

describe('isValidRoomId', () => {
  it.each([
    ['a single character', 'a'],
    ['letters, digits, dash and underscore', 'Ab_09-zZ'],
    ['exactly 128 characters', 'x'.repeat(128)],
    ['a created-looking id', 'q3V9fXr2-_kLmN0pQrStUv'],
  ])('accepts %s', (_label, value) => {
    expect(isValidRoomId(value)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['129 characters', 'x'.repeat(129)],
    ['a dot', 'a.b'],
    ['a parent-directory segment', '..'],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a space', 'a b'],
    ['a trailing newline', 'abc\n'],
    ['percent-encoding', 'a%2Fb'],
    ['a query string', 'abc?x=1'],
    ['unicode letters', 'café'],
    ['an emoji', 'room😀'],
    ['a NUL byte', 'ab\u0000'],
  ])('rejects %s', (_label, value) => {
    expect(isValidRoomId(value)).toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array of a valid id', ['abc']],
    ['an object', { toString: () => 'abc' }],
    ['a String object', new String('abc')],
  ])('rejects non-strings: %s', (_label, value) => {
    expect(isValidRoomId(value)).toBe(false);
  });
});

describe('createRoomId', () => {
  it('creates ids that pass the validator', () => {
    for (let i = 0; i < 100; i++) expect(isValidRoomId(createRoomId())).toBe(true);
  });

  it('carries 128 bits: at least 22 base64url characters', () => {
    expect(ROOM_ID_BYTES).toBeGreaterThanOrEqual(16);
    const id = createRoomId();
    expect(id.length).toBeGreaterThanOrEqual(22);
    // 16 bytes encode to exactly 22 unpadded base64url characters.
    expect(id).toHaveLength(Math.ceil((ROOM_ID_BYTES * 8) / 6));
  });

  it('is URL-safe: survives encodeURIComponent unchanged and has no padding', () => {
    for (let i = 0; i < 200; i++) {
      const id = createRoomId();
      expect(encodeURIComponent(id)).toBe(id);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(id).not.toContain('=');
    }
  });

  it('decodes back to ROOM_ID_BYTES bytes of base64url', () => {
    const id = createRoomId();
    expect(Buffer.from(id, 'base64url')).toHaveLength(ROOM_ID_BYTES);
    expect(Buffer.from(id, 'base64url').toString('base64url')).toBe(id);
  });

  it('does not repeat across 1000 calls', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createRoomId()));
    expect(ids.size).toBe(1000);
  });
});
