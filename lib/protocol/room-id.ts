/** Room ids are the edit capability in open mode, so they must be unguessable and URL-safe. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Bytes of randomness in a new room id: 16 bytes = 128 bits, 22 base64url characters. */
export const ROOM_ID_BYTES = 16;

/**
 * Request header the app server sets on `/d/<room>` when open mode would refuse that room as a
 * new document (too short, nothing stored): the page then explains instead of connecting for
 * ever. Set only by the server; whatever a client sends under this name is dropped.
 */
export const REFUSED_NEW_ROOM_HEADER = 'x-tandem-refused-new-room';

/** True when `value` is a syntactically valid room id (checked before any storage access). */
export function isValidRoomId(value: unknown): value is string {
  return typeof value === 'string' && ROOM_ID_PATTERN.test(value);
}

/** A fresh, unguessable room id from the platform CSPRNG (browser and Node alike). */
export function createRoomId(): string {
  const bytes = new Uint8Array(ROOM_ID_BYTES);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
