/**
 * Presence identity: a random default is created once and kept, anything unusable in storage
 * is replaced by a fresh identity, and saving validates, normalises and bounds the name. The
 * author key is made once, added to identities saved before keys existed, and survives every
 * rename and colour change.
 */
import { describe, expect, it } from 'vitest';
import { AUTHOR_KEY_PATTERN } from '../protocol/author-id';
import {
  AUTHOR_KEY_BYTES,
  IDENTITY_STORAGE_KEY,
  MAX_NAME_LENGTH,
  createAuthorKey,
  PRESENCE_COLORS,
  loadIdentity,
  normalizeName,
  randomIdentity,
  saveIdentity,
  type Identity,
} from './identity';

/** The Storage subset the module takes, backed by a Map (what localStorage does, minus the browser). */
function createStore(initial: Record<string, string> = {}) {
  const items = new Map<string, string>(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

/** A deterministic stand-in for Math.random (a 32-bit LCG), for repeatable identities. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Random bytes that are all `value`, so a key made from them is known in advance. */
const bytesOf = (value: number) => (bytes: Uint8Array) => bytes.fill(value);
/** The key createAuthorKey makes from 16 bytes of 0xfb: base64url, no padding. */
const KEY_OF_FB = '-_v7-_v7-_v7-_v7-_v7-w';
const KEY = 'AAAAAAAAAAAAAAAAAAAAAA';

const paletteValues = PRESENCE_COLORS.map((color) => color.value as string);
const stored = (store: ReturnType<typeof createStore>) => JSON.parse(store.items.get(IDENTITY_STORAGE_KEY) ?? 'null');

function expectUsable(identity: Pick<Identity, 'name' | 'color'> & { authorKey?: string }) {
  expect(identity.name).toMatch(/^\S+ \S+$/);
  expect(identity.name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  expect(paletteValues).toContain(identity.color);
  if ('authorKey' in identity) expect(identity.authorKey).toMatch(AUTHOR_KEY_PATTERN);
}

describe('loadIdentity', () => {
  it('generates a random identity on first load and saves it', () => {
    const store = createStore();
    const identity = loadIdentity(store);
    expectUsable(identity);
    expect(stored(store)).toEqual(identity);
  });

  it('returns the same identity on the next load', () => {
    const store = createStore();
    const first = loadIdentity(store, { random: seededRandom(1) });
    const second = loadIdentity(store, { random: seededRandom(999), randomBytes: bytesOf(7) });
    expect(second).toEqual(first);
  });

  it('returns a saved identity as saved', () => {
    const saved = { name: 'Ada Lovelace', color: '#175cd3', authorKey: KEY };
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify(saved) });
    expect(loadIdentity(store)).toEqual(saved);
  });

  it('gives an identity saved before author keys existed a key, keeps its name and colour, and saves it', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'Ada Lovelace', color: '#175cd3' }) });
    const migrated = loadIdentity(store, { randomBytes: bytesOf(0xfb) });
    expect(migrated).toEqual({ name: 'Ada Lovelace', color: '#175cd3', authorKey: KEY_OF_FB });
    expect(stored(store)).toEqual(migrated);
    // Made once: later loads read it back rather than making another.
    expect(loadIdentity(store, { randomBytes: bytesOf(1) }).authorKey).toBe(KEY_OF_FB);
  });

  it.each([
    ['a key too short', 'abc'],
    ['a key with characters outside base64url', 'AAAAAAAAAAAAAAAAAAAA+/'],
    ['a key that is not a string', 1234],
  ])('replaces %s with a fresh key and keeps the name and colour', (_label, authorKey) => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'Ada', color: '#175cd3', authorKey }) });
    expect(loadIdentity(store, { randomBytes: bytesOf(0xfb) })).toEqual({ name: 'Ada', color: '#175cd3', authorKey: KEY_OF_FB });
    expect(stored(store).authorKey).toBe(KEY_OF_FB);
  });

  it('keeps a usable key when the name or colour next to it is unusable', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: '', color: '#ffffff', authorKey: KEY }) });
    const identity = loadIdentity(store, { random: seededRandom(7) });
    expect(identity).toEqual({ ...randomIdentity(seededRandom(7)), authorKey: KEY });
    expect(stored(store)).toEqual(identity);
  });

  it.each([
    ['corrupt JSON', '{"name": "Ada", '],
    ['JSON null', 'null'],
    ['a JSON string', '"Ada"'],
    ['a JSON array', '[]'],
    ['an empty name', JSON.stringify({ name: '', color: '#175cd3' })],
    ['a whitespace-only name', JSON.stringify({ name: ' \t\n ', color: '#175cd3' })],
    ['a missing colour', JSON.stringify({ name: 'Ada' })],
    ['a colour outside the palette', JSON.stringify({ name: 'Ada', color: '#ffffff' })],
    ['a non-string name', JSON.stringify({ name: 42, color: '#175cd3' })],
  ])('replaces %s with a fresh, saved identity', (_label, raw) => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: raw });
    const identity = loadIdentity(store, { random: seededRandom(7), randomBytes: bytesOf(0xfb) });
    expectUsable(identity);
    expect(identity).toEqual({ ...randomIdentity(seededRandom(7)), authorKey: KEY_OF_FB });
    expect(stored(store)).toEqual(identity);
  });

  it('cuts a stored name that is too long', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'n'.repeat(100), color: '#475467', authorKey: KEY }) });
    expect(loadIdentity(store)).toEqual({ name: 'n'.repeat(MAX_NAME_LENGTH), color: '#475467', authorKey: KEY });
  });
});

describe('saveIdentity', () => {
  it('saves a valid identity so the next load returns it', () => {
    const store = createStore();
    const identity = { name: 'Grace Hopper', color: '#9e2a9b' };
    const saved = saveIdentity(store, identity, { randomBytes: bytesOf(0xfb) });
    expect(saved).toEqual({ ...identity, authorKey: KEY_OF_FB });
    expect(loadIdentity(store)).toEqual(saved);
  });

  it('keeps the author key through renames and colour changes', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'Ada', color: '#175cd3', authorKey: KEY }) });
    expect(saveIdentity(store, { name: 'Ada Lovelace', color: '#175cd3' })?.authorKey).toBe(KEY);
    expect(saveIdentity(store, { name: 'Ada Lovelace', color: '#9e2a9b' })?.authorKey).toBe(KEY);
    expect(stored(store)).toEqual({ name: 'Ada Lovelace', color: '#9e2a9b', authorKey: KEY });
  });

  it('ignores an author key the caller passes: the stored one stays', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'Ada', color: '#175cd3', authorKey: KEY }) });
    const renamed = { name: 'Eve', color: '#175cd3', authorKey: KEY_OF_FB };
    expect(saveIdentity(store, renamed)?.authorKey).toBe(KEY);
    expect(stored(store).authorKey).toBe(KEY);
  });

  it('gives a renamed identity saved before author keys existed a key, and keeps it from then on', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'Ada', color: '#175cd3' }) });
    expect(saveIdentity(store, { name: 'Ada L.', color: '#175cd3' }, { randomBytes: bytesOf(0xfb) })?.authorKey).toBe(KEY_OF_FB);
    expect(saveIdentity(store, { name: 'Ada M.', color: '#175cd3' }, { randomBytes: bytesOf(2) })?.authorKey).toBe(KEY_OF_FB);
    expect(stored(store)).toEqual({ name: 'Ada M.', color: '#175cd3', authorKey: KEY_OF_FB });
  });

  it('normalises whitespace before saving', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'Ada', color: '#175cd3', authorKey: KEY }) });
    const saved = saveIdentity(store, { name: '  Grace \t\n  Hopper  ', color: '#9e2a9b' });
    expect(saved).toEqual({ name: 'Grace Hopper', color: '#9e2a9b', authorKey: KEY });
    expect(stored(store)).toEqual({ name: 'Grace Hopper', color: '#9e2a9b', authorKey: KEY });
  });

  it('cuts names at MAX_NAME_LENGTH', () => {
    const store = createStore();
    const saved = saveIdentity(store, { name: 'a'.repeat(MAX_NAME_LENGTH + 25), color: '#9e2a9b' });
    expect(saved?.name).toBe('a'.repeat(MAX_NAME_LENGTH));
    expect(stored(store).name).toHaveLength(MAX_NAME_LENGTH);
  });

  it('never ends a cut name in a space or half a character', () => {
    const store = createStore();
    const spaced = saveIdentity(store, { name: `${'x'.repeat(MAX_NAME_LENGTH - 1)} yz`, color: '#9e2a9b' });
    expect(spaced?.name).toBe('x'.repeat(MAX_NAME_LENGTH - 1));
    const emoji = saveIdentity(store, { name: `${'a'.repeat(MAX_NAME_LENGTH - 1)}😀😀`, color: '#9e2a9b' });
    expect(emoji?.name).toBe(`${'a'.repeat(MAX_NAME_LENGTH - 1)}😀`);
  });

  it('keeps a name of exactly MAX_NAME_LENGTH characters', () => {
    const name = 'b'.repeat(MAX_NAME_LENGTH);
    expect(saveIdentity(createStore(), { name, color: '#9e2a9b' })?.name).toBe(name);
  });

  it.each([
    ['an empty name', { name: '', color: '#9e2a9b' }],
    ['a whitespace-only name', { name: '   ', color: '#9e2a9b' }],
    ['a colour outside the palette', { name: 'Grace', color: 'red' }],
    ['an empty colour', { name: 'Grace', color: '' }],
  ])('refuses %s and leaves the saved identity alone', (_label, identity) => {
    const previous = { name: 'Ada Lovelace', color: '#175cd3', authorKey: KEY };
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify(previous) });
    expect(saveIdentity(store, identity)).toBeNull();
    expect(stored(store)).toEqual(previous);
  });

  it('refuses an invalid identity without creating one', () => {
    const store = createStore();
    expect(saveIdentity(store, { name: '', color: '#9e2a9b' })).toBeNull();
    expect(store.items.has(IDENTITY_STORAGE_KEY)).toBe(false);
  });

  it('accepts every palette colour', () => {
    for (const { value } of PRESENCE_COLORS) {
      expect(saveIdentity(createStore(), { name: 'Grace', color: value })).toMatchObject({ name: 'Grace', color: value });
    }
  });
});

describe('normalizeName', () => {
  it('collapses runs of whitespace and trims the ends', () => {
    expect(normalizeName('\t Curious \n\n Otter  ')).toBe('Curious Otter');
    // Presence refuses control characters (the server closes a sender with 4400), so a pasted one never stays.
    expect(normalizeName('Cu\u0000ri\u0007ous\u0085 Ot\u009fter')).toBe('Curious Otter');
  });

  it('turns whitespace-only input into the empty string', () => {
    expect(normalizeName(' \n\t ')).toBe('');
  });

  it('cuts after normalising, so collapsed whitespace does not use up the limit', () => {
    const name = `A${' '.repeat(100)}B`;
    expect(normalizeName(name)).toBe('A B');
  });
});

describe('randomIdentity', () => {
  it('is deterministic for a deterministic random source', () => {
    expect(randomIdentity(seededRandom(42))).toEqual(randomIdentity(seededRandom(42)));
    const store = createStore();
    expect(loadIdentity(store, { random: seededRandom(42) })).toMatchObject(randomIdentity(seededRandom(42)));
  });

  it('picks the first entries for 0 and the last entries just below 1', () => {
    expect(randomIdentity(() => 0)).toEqual({ name: 'Amber Otter', color: PRESENCE_COLORS[0].value });
    const last = randomIdentity(() => 0.999_999);
    expect(last).toEqual({ name: 'Cosy Yak', color: PRESENCE_COLORS[PRESENCE_COLORS.length - 1].value });
  });

  it('always produces a usable identity and varies with the random source', () => {
    const random = seededRandom(3);
    const identities = Array.from({ length: 200 }, () => randomIdentity(random));
    identities.forEach(expectUsable);
    expect(new Set(identities.map((identity) => identity.name)).size).toBeGreaterThan(20);
    expect(new Set(identities.map((identity) => identity.color)).size).toBeGreaterThan(6);
  });

  it('is always accepted by saveIdentity unchanged', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 50; i++) {
      const identity = randomIdentity(random);
      expect(saveIdentity(createStore(), identity)).toMatchObject(identity);
    }
  });
});

describe('createAuthorKey', () => {
  it('is 16 random bytes in 22 characters of base64url, which the server accepts', () => {
    const key = createAuthorKey();
    expect(key).toHaveLength(22);
    expect(key).toMatch(AUTHOR_KEY_PATTERN);
    expect(Buffer.from(key, 'base64url')).toHaveLength(AUTHOR_KEY_BYTES);
  });

  it('encodes exactly the random bytes it is given', () => {
    expect(createAuthorKey(bytesOf(0xfb))).toBe(KEY_OF_FB);
    expect(createAuthorKey(bytesOf(0))).toBe(KEY);
  });

  it('differs between browsers (crypto.getRandomValues)', () => {
    const keys = new Set(Array.from({ length: 100 }, () => createAuthorKey()));
    expect(keys.size).toBe(100);
  });
});
