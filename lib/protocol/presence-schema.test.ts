/**
 * The presence schema: every state a Tandem browser publishes passes (built with the real
 * Yjs and identity code, serialized the way awareness sends it), and each shape the caret
 * plugin or the avatar stack could trip over is refused with a reason.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PRESENCE_COLORS, randomIdentity } from '../prefs/identity';
import { presenceUserFor } from '../presence/presence-user';
import { isPresenceState, presenceStateProblem } from './presence-schema';

/** What awareness does to a state on its way to other clients. */
const overTheWire = (state: unknown): unknown => JSON.parse(JSON.stringify(state));

/** Real relative positions: in a root fragment, inside a nested text, and at a type's end. */
function realCursors() {
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment('default');
  const paragraph = new Y.XmlElement('paragraph');
  const text = new Y.XmlText();
  fragment.insert(0, [paragraph]);
  paragraph.insert(0, [text]);
  text.insert(0, 'hello world');
  const inText = { anchor: Y.createRelativePositionFromTypeIndex(text, 2), head: Y.createRelativePositionFromTypeIndex(text, 7, -1) };
  const atRootEnd = { anchor: Y.createRelativePositionFromTypeIndex(fragment, 1), head: Y.createRelativePositionFromTypeIndex(fragment, 0) };
  const atTextEnd = { anchor: Y.createRelativePositionFromTypeIndex(text, 11), head: Y.createRelativePositionFromTypeIndex(text, 11) };
  doc.destroy();
  return { inText, atRootEnd, atTextEnd };
}

const alice = { name: 'Alice', color: '#175cd3' };
const position = { type: { client: 1, clock: 2 }, tname: null, item: { client: 1, clock: 3 }, assoc: 0 };

describe('presenceStateProblem: what real browsers publish', () => {
  const cursors = realCursors();

  it.each([
    ['a fresh awareness state', {}],
    ['an editor', { user: alice }],
    ['a reader on a view link', { user: presenceUserFor(alice, { viewing: true }) }],
    ['a commenter on a comment link', { user: presenceUserFor(alice, { viewing: true, commenting: true }) }],
    ['every palette colour and a random identity', { user: randomIdentity() }],
    ['a caret inside a paragraph', { user: alice, cursor: cursors.inText }],
    ['a caret at the end of the document', { user: alice, cursor: cursors.atRootEnd }],
    ['a caret at the end of a text', { user: alice, cursor: cursors.atTextEnd }],
    ['a caret removed on blur', { user: alice, cursor: null }],
    ['activity', { user: alice, cursor: cursors.inText, lastActive: Date.now() }],
    ['a 40-character name', { user: { ...alice, name: 'x'.repeat(40) } }],
    ['a 40-character name of astral characters', { user: { ...alice, name: '😀'.repeat(40) } }],
    ['an upper-case hex colour', { user: { ...alice, color: '#ABCDEF' } }],
  ])('accepts %s', (_label, state) => {
    expect(presenceStateProblem(overTheWire(state))).toBeNull();
    expect(isPresenceState(overTheWire(state))).toBe(true);
  });

  it('accepts every palette colour', () => {
    for (const { value } of PRESENCE_COLORS) expect(presenceStateProblem({ user: { ...alice, color: value } })).toBeNull();
  });

  it('accepts what Yjs itself makes of a relative position, field by field', () => {
    // The JSON keeps null fields: type, tname, item and assoc are always there.
    expect(Object.keys(overTheWire(cursors.inText.anchor) as object).sort()).toEqual(['assoc', 'item', 'tname', 'type']);
    expect(presenceStateProblem({ cursor: { anchor: position, head: { tname: 'default' } } })).toBeNull();
  });
});

describe('presenceStateProblem: what no Tandem browser publishes', () => {
  it.each([
    ['a cursor with no positions (finding C1)', { user: alice, cursor: {} }],
    ['a cursor with one position', { user: alice, cursor: { anchor: position } }],
    ['a cursor whose positions name nothing', { cursor: { anchor: { type: null, tname: null, item: null, assoc: 0 }, head: position } }],
    ['a cursor with an empty position', { cursor: { anchor: {}, head: position } }],
    ['a cursor that is a number', { cursor: 0 }],
    ['a cursor with an unknown field', { cursor: { anchor: position, head: position, tail: position } }],
    ['a position with an unknown field', { cursor: { anchor: { ...position, evil: 1 }, head: position } }],
    ['a position whose id is not an object', { cursor: { anchor: { ...position, item: 7 }, head: position } }],
    ['a position with a negative clock', { cursor: { anchor: { ...position, item: { client: 1, clock: -1 } }, head: position } }],
    ['a position with a fractional clock', { cursor: { anchor: { ...position, item: { client: 1, clock: 1.5 } }, head: position } }],
    ['a position with an unsafe client', { cursor: { anchor: { ...position, type: { client: 2 ** 53, clock: 0 } }, head: position } }],
    ['a position with a fractional assoc', { cursor: { anchor: { ...position, assoc: 0.5 }, head: position } }],
    ['a position with an empty root name', { cursor: { anchor: { tname: '' }, head: position } }],
    ['a position with a 65-character root name', { cursor: { anchor: { tname: 'x'.repeat(65) }, head: position } }],
    ['an unknown top-level field', { user: alice, isAdmin: true }],
    ['an unknown user field', { user: { ...alice, avatar: 'http://x/a.png' } }],
    ['a colour that is a CSS url (finding M7)', { user: { ...alice, color: 'url(http://x/track.png)' } }],
    ['a colour name', { user: { ...alice, color: 'red' } }],
    ['a three-digit hex colour', { user: { ...alice, color: '#fff' } }],
    ['a hex colour with alpha', { user: { ...alice, color: '#175cd3ff' } }],
    ['a colour with a trailing newline', { user: { ...alice, color: '#175cd3\n' } }],
    ['a user without a colour', { user: { name: 'Alice' } }],
    ['a user without a name', { user: { color: '#175cd3' } }],
    ['an empty name', { user: { ...alice, name: '' } }],
    ['a 41-character name', { user: { ...alice, name: 'x'.repeat(41) } }],
    ['a 1 MiB name', { user: { ...alice, name: 'x'.repeat(1 << 20) } }],
    ['a name with a newline', { user: { ...alice, name: 'Alice\nBob' } }],
    ['a name with a NUL', { user: { ...alice, name: 'Alice\u0000' } }],
    ['a name with a C1 control character', { user: { ...alice, name: 'Alice\u009b' } }],
    ['a name that is not text', { user: { ...alice, name: 42 } }],
    ['viewing other than true', { user: { ...alice, viewing: false } }],
    ['commenting other than true', { user: { ...alice, commenting: 1 } }],
    ['viewing and commenting at once', { user: { ...alice, viewing: true, commenting: true } }],
    ['a user that is an array', { user: [alice] }],
    ['lastActive as text', { lastActive: '2026-01-01' }],
    ['lastActive that is not finite', { lastActive: null }],
    ['a state that is an array', [{ user: alice }]],
    ['a state that is text', 'hello'],
    ['a state that is a number', 7],
    ['a state that is null (a removal, not a state)', null],
  ])('refuses %s', (_label, state) => {
    const problem = presenceStateProblem(state);
    expect(problem).toEqual(expect.any(String));
    expect(isPresenceState(state)).toBe(false);
  });

  it('names the field at fault', () => {
    expect(presenceStateProblem({ user: alice, cursor: {} })).toMatch(/cursor/);
    expect(presenceStateProblem({ user: { ...alice, color: 'red' } })).toMatch(/colour/);
    expect(presenceStateProblem({ user: alice, isAdmin: true })).toMatch(/isAdmin/);
  });

  it('quotes at most the start of a field name (reasons end up in logs)', () => {
    expect(presenceStateProblem({ ['x'.repeat(10_000)]: 1 })!.length).toBeLessThan(200);
  });
});
