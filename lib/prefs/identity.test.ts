/**
 * Presence identity: a random default is created once and kept, anything unusable in storage
 * is replaced by a fresh identity, and saving validates, normalises and bounds the name.
 */
import { describe, expect, it } from 'vitest';
import {
  IDENTITY_STORAGE_KEY,
  MAX_NAME_LENGTH,
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

const paletteValues = PRESENCE_COLORS.map((color) => color.value as string);
const stored = (store: ReturnType<typeof createStore>) => JSON.parse(store.items.get(IDENTITY_STORAGE_KEY) ?? 'null');

function expectUsable(identity: Identity) {
  expect(identity.name).toMatch(/^\S+ \S+$/);
  expect(identity.name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  expect(paletteValues).toContain(identity.color);
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
    const first = loadIdentity(store, seededRandom(1));
    const second = loadIdentity(store, seededRandom(999));
    expect(second).toEqual(first);
  });

  it('returns a saved identity as saved', () => {
    const saved = { name: 'Ada Lovelace', color: '#175cd3' };
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify(saved) });
    expect(loadIdentity(store)).toEqual(saved);
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
    const identity = loadIdentity(store, seededRandom(7));
    expectUsable(identity);
    expect(identity).toEqual(randomIdentity(seededRandom(7)));
    expect(stored(store)).toEqual(identity);
  });

  it('cuts a stored name that is too long', () => {
    const store = createStore({ [IDENTITY_STORAGE_KEY]: JSON.stringify({ name: 'n'.repeat(100), color: '#475467' }) });
    expect(loadIdentity(store)).toEqual({ name: 'n'.repeat(MAX_NAME_LENGTH), color: '#475467' });
  });
});

describe('saveIdentity', () => {
  it('saves a valid identity so the next load returns it', () => {
    const store = createStore();
    const identity = { name: 'Grace Hopper', color: '#9e2a9b' };
    expect(saveIdentity(store, identity)).toEqual(identity);
    expect(loadIdentity(store)).toEqual(identity);
  });

  it('normalises whitespace before saving', () => {
    const store = createStore();
    const saved = saveIdentity(store, { name: '  Grace \t\n  Hopper  ', color: '#9e2a9b' });
    expect(saved).toEqual({ name: 'Grace Hopper', color: '#9e2a9b' });
    expect(stored(store)).toEqual({ name: 'Grace Hopper', color: '#9e2a9b' });
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
    const previous = { name: 'Ada Lovelace', color: '#175cd3' };
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
      expect(saveIdentity(createStore(), { name: 'Grace', color: value })).toEqual({ name: 'Grace', color: value });
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
    expect(loadIdentity(store, seededRandom(42))).toEqual(randomIdentity(seededRandom(42)));
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
      expect(saveIdentity(createStore(), identity)).toEqual(identity);
    }
  });
});
