/**
 * A person's presence identity (name + colour): a friendly random default, editable, kept in
 * localStorage so it survives reloads. Pure functions over a Storage-like object.
 */
import type { KeyValueStore } from './key-value-store';

export interface Identity {
  name: string;
  color: string;
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

/** A friendly random identity such as "Curious Otter" in a palette colour. */
export function randomIdentity(random: () => number = Math.random): Identity {
  return { name: `${pick(ADJECTIVES, random)} ${pick(ANIMALS, random)}`, color: pick(COLOR_VALUES, random) };
}

/**
 * Collapses whitespace, drops control characters (presence refuses them: lib/protocol/presence-schema.ts)
 * and bounds a typed name to whole characters; empty means no name.
 */
export function normalizeName(name: string): string {
  const collapsed = name.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return Array.from(collapsed).slice(0, MAX_NAME_LENGTH).join('').trim();
}

/** The saved identity, or a new random one (saved, so it stays the same next time). */
export function loadIdentity(store: KeyValueStore, random: () => number = Math.random): Identity {
  const saved = parseIdentity(store.getItem(IDENTITY_STORAGE_KEY));
  if (saved) return saved;
  const fresh = randomIdentity(random);
  saveIdentity(store, fresh);
  return fresh;
}

/** Saves an identity; an invalid one (empty name, colour outside the palette) is refused. */
export function saveIdentity(store: KeyValueStore, identity: Identity): Identity | null {
  const valid = parseIdentity(JSON.stringify(identity));
  if (valid) store.setItem(IDENTITY_STORAGE_KEY, JSON.stringify(valid));
  return valid;
}

function parseIdentity(raw: string | null): Identity | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<Identity>;
    if (typeof value.name !== 'string' || typeof value.color !== 'string') return null;
    const name = normalizeName(value.name);
    if (!name || !COLOR_VALUES.includes(value.color)) return null;
    return { name, color: value.color };
  } catch {
    // Corrupt JSON (edited by hand, another app): start over with a fresh identity.
    return null;
  }
}
