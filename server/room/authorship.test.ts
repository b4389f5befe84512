import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { ANONYMOUS_AUTHOR_ID } from '../authors';
import { fakeConnection } from '../testing/fake-connection';
import { RoomAuthorship, withoutClients } from './authorship';

function typed(clientId: number, text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  doc.getText('title').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

const noPresence = { editorHolding: () => null, userOf: () => null };

describe('RoomAuthorship', () => {
  test('an unbound client id is free; once bound, only its author may write with it', () => {
    const authorship = new RoomAuthorship([], noPresence);
    const alice = fakeConnection({ authorId: 'alice' });
    const bob = fakeConnection({ authorId: 'bob' });
    const update = Y.decodeUpdate(typed(11, 'hi'));
    expect(authorship.admit(alice, update)).toEqual({ foreign: [], unbound: [11] });
    expect(authorship.bind([11], 'alice')).toEqual([{ clientId: 11, authorId: 'alice' }]);
    expect(authorship.bind([11], 'bob')).toEqual([]);
    expect(authorship.admit(alice, update)).toEqual({ foreign: [], unbound: [] });
    expect(authorship.admit(bob, update)).toEqual({ foreign: [11], unbound: [] });
    // Another connection of the same author (a second tab) is the same author.
    expect(authorship.admit(fakeConnection({ authorId: 'alice' }), update)).toEqual({ foreign: [], unbound: [] });
  });

  test('stored and relayed bindings count as made here, and never replace one already held', () => {
    const authorship = new RoomAuthorship([{ clientId: 5, authorId: 'alice' }], noPresence);
    authorship.learn([{ clientId: 5, authorId: 'mallory' }, { clientId: 6, authorId: 'bob' }]);
    expect(authorship.authorOf(5)).toBe('alice');
    expect(authorship.authorOf(6)).toBe('bob');
  });

  test("a client id in another editor's presence is reserved for that editor's author", () => {
    const alice = fakeConnection({ authorId: 'alice' });
    const mallory = fakeConnection({ authorId: 'mallory' });
    const authorship = new RoomAuthorship([], { editorHolding: (id) => (id === 9 ? alice : null), userOf: () => null });
    const update = Y.decodeUpdate(typed(9, 'x'));
    expect(authorship.admit(mallory, update).foreign).toEqual([9]);
    expect(authorship.admit(alice, update).unbound).toEqual([9]);
    // Another instance's client: this instance cannot tell whose author it is; its binding decides.
    const remote = new RoomAuthorship([], { editorHolding: () => 'remote', userOf: () => null });
    expect(remote.admit(mallory, update).unbound).toEqual([9]);
  });

  test('the author record takes the presence name and colour, the anonymous author one name for everyone', () => {
    const alice = fakeConnection({ authorId: 'alice' });
    const authorship = new RoomAuthorship([], { editorHolding: () => null, userOf: () => ({ name: 'Alice', color: '#112233' }) });
    expect(authorship.recordOf(alice)).toEqual({ id: 'alice', name: 'Alice', color: '#112233' });
    expect(authorship.recordOf(fakeConnection())).toEqual({ id: ANONYMOUS_AUTHOR_ID, name: 'Anonymous', color: '#6b7280' });
  });
});

describe('withoutClients', () => {
  test("drops exactly the named clients' structs and keeps every deletion", () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, typed(1, 'aaa'));
    const before = Y.encodeStateVector(doc);
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    other.clientID = 2;
    other.getText('title').delete(0, 1);
    other.getText('title').insert(0, 'B');
    const mixed = Y.mergeUpdates([Y.encodeStateAsUpdate(other, before), typed(3, 'C')]);

    const kept = Y.decodeUpdate(withoutClients(mixed, [3]));
    expect(new Set(kept.structs.map((struct) => struct.id.client))).toEqual(new Set([2]));
    expect(kept.ds.clients.get(1)).toEqual([expect.objectContaining({ clock: 0, len: 1 })]);
    Y.applyUpdate(doc, withoutClients(mixed, [3]));
    expect(doc.getText('title').toString()).toBe('Baa');
  });
});
