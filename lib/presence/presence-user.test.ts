/** Presence users: viewers are marked as viewing, commenters as commenting; other clients' states outside the schema are nobody. */
import { describe, expect, it } from 'vitest';
import { presenceUserFor, readPresenceUser } from './presence-user';

const vera = { name: 'Vera', color: '#175cd3' };
const caret = { anchor: { type: null, tname: 'default', item: null, assoc: 0 }, head: { type: null, tname: null, item: { client: 7, clock: 3 }, assoc: -1 } };

describe('presenceUserFor', () => {
  it('marks a viewer as viewing', () => {
    expect(presenceUserFor(vera, { viewing: true })).toEqual({ ...vera, viewing: true });
  });

  it('marks a commenter as commenting, not viewing (their editor is read-only too)', () => {
    expect(presenceUserFor(vera, { viewing: true, commenting: true })).toEqual({ ...vera, commenting: true });
  });

  it('leaves an editor unmarked', () => {
    expect(presenceUserFor(vera, { viewing: false })).toEqual(vera);
  });

  it('never publishes the author key kept with the identity (it would let others write as them)', () => {
    const identity = { ...vera, authorKey: 'AAAAAAAAAAAAAAAAAAAAAA' };
    expect(presenceUserFor(identity, { viewing: false })).toEqual(vera);
    expect(presenceUserFor(identity, { viewing: true })).toEqual({ ...vera, viewing: true });
  });
});

describe('readPresenceUser', () => {
  it('reads an editor and a viewer', () => {
    expect(readPresenceUser({ user: vera, cursor: null })).toEqual(vera);
    expect(readPresenceUser({ user: { ...vera, viewing: true } })).toEqual({ ...vera, viewing: true });
    expect(readPresenceUser({ user: { ...vera, commenting: true } })).toEqual({ ...vera, commenting: true });
  });

  it('reads a whole state as a Tandem browser publishes it, caret and activity included', () => {
    expect(readPresenceUser({ user: presenceUserFor(vera, { viewing: false }), cursor: caret, lastActive: 1_700_000_000_000 })).toEqual(vera);
  });

  it('returns a copy holding only the known fields', () => {
    const state = { user: { ...vera } };
    const user = readPresenceUser(state);
    expect(user).not.toBe(state.user);
    expect(Object.keys(user!)).toEqual(['name', 'color']);
  });

  it.each([
    ['no state', null],
    ['a state that is not an object', 'Vera'],
    ['no user', {}],
    ['a user without a name', { user: { color: '#175cd3' } }],
    ['a user whose name is not text', { user: { name: 42, color: '#175cd3' } }],
    ['an empty name', { user: { name: '', color: '#175cd3' } }],
    ['a name over 40 characters', { user: { name: 'V'.repeat(41), color: '#175cd3' } }],
    ['a name with control characters', { user: { name: 'Vera\u0000\nAdmin', color: '#175cd3' } }],
    ['a user without a colour', { user: { name: 'Vera' } }],
    ['a colour that is a url()', { user: { name: 'Vera', color: 'url(http://attacker.example/track.png)' } }],
    ['a colour with more CSS after it', { user: { name: 'Vera', color: '#175cd3;background-image:url(http://attacker.example/t.png)' } }],
    ['a named CSS colour', { user: { name: 'Vera', color: 'red' } }],
    ['a short hex colour', { user: { name: 'Vera', color: '#17c' } }],
    ['viewing that is not true', { user: { ...vera, viewing: 'yes' } }],
    ['an unknown user field', { user: { ...vera, avatar: 'http://attacker.example/a.png' } }],
    ['an unknown state field', { user: vera, admin: true }],
    ['a caret without positions (finding C1)', { user: vera, cursor: {} }],
    ['a lastActive that is not a number', { user: vera, lastActive: 'now' }],
  ])('ignores %s', (_label, state) => {
    expect(readPresenceUser(state)).toBeNull();
  });
});
