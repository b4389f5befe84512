/** Fresh version ids: 16 characters of [a-z0-9] (VERSION_ID_PATTERN), from the CSPRNG. */
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const LENGTH = 16;

export function newVersionId(): string {
  let id = '';
  for (let i = 0; i < LENGTH; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
