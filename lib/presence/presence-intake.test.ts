/** Incoming presence: removals and states in Tandem's schema pass; everything else is dropped before the awareness. */
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { filterPresenceUpdate } from './presence-intake';

const position = { type: null, tname: 'default', item: null, assoc: 0 };
const bob = { user: { name: 'Bob', color: '#b42318' }, cursor: { anchor: position, head: position }, lastActive: 1_700_000_000_000 };

/** An awareness update with these entries, as raw JSON text (so it can also be broken JSON). */
function updateOf(entries: Array<[clientId: number, clock: number, json: string]>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}

/** The states an awareness holds after applying `update` (its own local state aside). */
function statesAfter(update: Uint8Array | null): Map<number, unknown> {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState(null);
  if (update) awarenessProtocol.applyAwarenessUpdate(awareness, update, 'test');
  const states = new Map(awareness.getStates());
  awareness.destroy();
  return states;
}

describe('filterPresenceUpdate', () => {
  it('passes well-formed states and removals unchanged', () => {
    const update = updateOf([
      [1, 4, JSON.stringify(bob)],
      [2, 1, JSON.stringify({ user: { name: 'Vera', color: '#6938ef', viewing: true }, cursor: null })],
      [3, 2, 'null'],
    ]);
    const { accepted, refused } = filterPresenceUpdate(update);
    expect(refused).toEqual([]);
    expect(accepted).toEqual(update);
  });

  it('drops the caret without positions of finding C1 and a colour that is a url(), keeping the rest', () => {
    const { accepted, refused } = filterPresenceUpdate(
      updateOf([
        [31337, 1, JSON.stringify({ user: { name: 'Mallory', color: '#c11574' }, cursor: {} })],
        [1, 4, JSON.stringify(bob)],
        [31339, 1, JSON.stringify({ user: { name: 'Trudy', color: 'url(http://attacker.example/track.png)' } })],
      ]),
    );
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatch(/^client 31337: cursor/);
    expect(refused[1]).toMatch(/^client 31339: user colour/);
    expect(statesAfter(accepted)).toEqual(new Map([[1, bob]]));
  });

  it('drops an entry that is not JSON', () => {
    const { accepted, refused } = filterPresenceUpdate(updateOf([[5, 1, '{"user":']]));
    expect(accepted).toBeNull();
    expect(refused).toEqual(['client 5: state is not JSON']);
  });

  it('keeps what came before an update breaks off', () => {
    const whole = updateOf([
      [1, 4, JSON.stringify(bob)],
      [2, 1, JSON.stringify({ user: { name: 'Vera', color: '#6938ef' } })],
    ]);
    const cut = whole.slice(0, whole.length - 5);
    const { accepted, refused } = filterPresenceUpdate(cut);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^undecodable awareness update/);
    expect(statesAfter(accepted)).toEqual(new Map([[1, bob]]));
  });
});
