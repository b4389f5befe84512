/**
 * A person's presence identity (name + colour): a friendly random default, editable, kept in
 * localStorage so it survives reloads, together with the browser's author key (the secret its
 * sync connections announce, lib/protocol/author-id.ts), which never changes with the name or
 * colour. Pure functions over a Storage-like object.
 */
import { toBase64UrlEncoded } from 'lib0/buffer';
import { isValidAuthorKey } from '../protocol/author-id';
import type { KeyValueStore } from './key-value-store';

/** What a person can choose: shown to everyone through presence. */
export interface PresenceIdentity {
  name: string;
  color: string;
}

export interface Identity extends PresenceIdentity {
  /** This browser's author key: sent only on its own sync URL, never in presence. */
  authorKey: string;
}

/** Colours dark enough for white label text (WCAG AA contrast), with names for the picker. */
export const PRESENCE_COLORS = [
  { value: '#b42318', label: 'Red' },
  { value: '#c4320a', label: 'Orange' },
  { value: '#8a5a00', label: 'Ochre' },
  { value: '#2f7a0c', label: 'Green' },
  { value: '#067647', label: 'Emerald' },
  { value: '#0e7090', label: 'Teal' },
  { value: '#175cd3', label: 'Blue' },
  { value: '#3538cd', label: 'Indigo' },
  { value: '#6938ef', label: 'Violet' },
  { value: '#9e2a9b', label: 'Purple' },
  { value: '#c11574', label: 'Pink' },
  { value: '#475467', label: 'Slate' },
] as const;

const COLOR_VALUES: readonly string[] = PRESENCE_COLORS.map((color) => color.value);

const ADJECTIVES = [
  'Amber', 'Brave', 'Calm', 'Clever', 'Curious', 'Gentle', 'Happy', 'Jolly', 'Kind', 'Lucky',
  'Merry', 'Nimble', 'Quiet', 'Rapid', 'Sunny', 'Swift', 'Witty', 'Bright', 'Bold', 'Cosy',
];
const ANIMALS = [
  'Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Panda', 'Puffin', 'Fox', 'Koala', 'Owl',
  'Beaver', 'Dolphin', 'Hedgehog', 'Ibex', 'Marten', 'Robin', 'Seal', 'Tiger', 'Wren', 'Yak',
];

/** localStorage key of the saved identity. */
export const IDENTITY_STORAGE_KEY = 'tandem:identity';
/** Longest display name accepted (longer input is cut). */
export const MAX_NAME_LENGTH = 40;

const pick = <T,>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

/** A friendly random name and colour such as "Curious Otter" in a palette colour. */
export function randomIdentity(random: () => number = Math.random): PresenceIdentity {
  return { name: `${pick(ADJECTIVES, random)} ${pick(ANIMALS, random)}`, color: pick(COLOR_VALUES, random) };
}

/** Bytes of randomness in an author key (22 characters of base64url). */
export const AUTHOR_KEY_BYTES = 16;

/** Fills a byte array with random bytes (crypto.getRandomValues in the browser). */
export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

const cryptoRandomBytes: RandomBytes = (bytes) => crypto.getRandomValues(bytes);

/** A new author key: 16 random bytes, base64url without padding. */
export function createAuthorKey(randomBytes: RandomBytes = cryptoRandomBytes): string {
  return toBase64UrlEncoded(randomBytes(new Uint8Array(AUTHOR_KEY_BYTES)));
}

interface Sources {
  random?: () => number;
  randomBytes?: RandomBytes;
}

/**
 * Collapses whitespace, drops control characters (presence refuses them: lib/protocol/presence-schema.ts)
 * and bounds a typed name to whole characters; empty means no name.
 */
export function normalizeName(name: string): string {
  const collapsed = name.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return Array.from(collapsed).slice(0, MAX_NAME_LENGTH).join('').trim();
}

/**
 * The saved identity, or a new random one (saved, so it stays the same next time). An identity
 * saved before author keys existed (or with a broken key) keeps its name and colour and gets a
 * key, saved at once; an unusable name or colour is replaced and a usable key kept, so the
 * person still writes as the same author.
 */
export function loadIdentity(store: KeyValueStore, { random = Math.random, randomBytes = cryptoRandomBytes }: Sources = {}): Identity {
  const raw = store.getItem(IDENTITY_STORAGE_KEY);
  const saved = parseIdentity(raw);
  const savedKey = savedAuthorKey(raw);
  if (saved && savedKey) return { name: saved.name, color: saved.color, authorKey: savedKey };
  const { name, color } = saved ?? randomIdentity(random);
  const identity: Identity = { name, color, authorKey: savedKey ?? createAuthorKey(randomBytes) };
  store.setItem(IDENTITY_STORAGE_KEY, JSON.stringify(identity));
  return identity;
}

/**
 * Saves a new name or colour; an invalid one (empty name, colour outside the palette) is
 * refused. The author key stays the one stored (a rename is the same author), whatever the
 * caller passes.
 */
export function saveIdentity(store: KeyValueStore, identity: PresenceIdentity, sources: Sources = {}): Identity | null {
  const valid = parseIdentity(JSON.stringify({ name: identity.name, color: identity.color }));
  if (!valid) return null;
  const { authorKey } = loadIdentity(store, sources);
  const saved: Identity = { name: valid.name, color: valid.color, authorKey };
  store.setItem(IDENTITY_STORAGE_KEY, JSON.stringify(saved));
  return saved;
}

/** A stored name and colour (normalised), or null when either is unusable. */
function parseIdentity(raw: string | null): PresenceIdentity | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<Record<keyof Identity, unknown>> | null;
    if (typeof value?.name !== 'string' || typeof value.color !== 'string') return null;
    const name = normalizeName(value.name);
    if (!name || !COLOR_VALUES.includes(value.color)) return null;
    return { name, color: value.color };
  } catch {
    // Corrupt JSON (edited by hand, another app): start over with a fresh identity.
    return null;
  }
}

/** The stored author key, if there is a usable one (whatever the name and colour hold). */
function savedAuthorKey(raw: string | null): string | null {
  try {
    const value = JSON.parse(raw ?? 'null') as { authorKey?: unknown } | null;
    return isValidAuthorKey(value?.authorKey) ? value.authorKey : null;
  } catch {
    // Corrupt JSON holds no key to keep.
    return null;
  }
}
