/** Presence users: viewers are marked as viewing, and other clients' states are read safely. */
import { describe, expect, it } from 'vitest';
import { presenceUserFor, readPresenceUser } from './presence-user';

const vera = { name: 'Vera', color: '#175cd3' };

describe('presenceUserFor', () => {
  it('marks a viewer as viewing', () => {
    expect(presenceUserFor(vera, { viewing: true })).toEqual({ ...vera, viewing: true });
  });

  it('leaves an editor unmarked', () => {
    expect(presenceUserFor(vera, { viewing: false })).toEqual(vera);
  });
});

describe('readPresenceUser', () => {
  it('reads an editor and a viewer', () => {
    expect(readPresenceUser({ user: vera, cursor: null })).toEqual(vera);
    expect(readPresenceUser({ user: { ...vera, viewing: true } })).toEqual({ ...vera, viewing: true });
  });

  it('treats anything but viewing === true as an editor', () => {
    expect(readPresenceUser({ user: { ...vera, viewing: 'yes' } })).toEqual(vera);
  });

  it.each([
    ['no state', null],
    ['no user', {}],
    ['a user without a name', { user: { color: '#175cd3' } }],
    ['a user whose name is not text', { user: { name: 42, color: '#175cd3' } }],
    ['a user without a colour', { user: { name: 'Vera' } }],
  ])('ignores %s', (_label, state) => {
    expect(readPresenceUser(state)).toBeNull();
  });
});
