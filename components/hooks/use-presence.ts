'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { readLastActive } from '../../lib/presence/presence-activity';
import { readPresenceUser } from '../../lib/presence/presence-user';

export interface Participant {
  clientId: number;
  name: string;
  color: string;
  isSelf: boolean;
  /** Reading through a view link: can see everything, can change nothing. */
  viewing: boolean;
  /** On a comment link: can comment, cannot change the text. */
  commenting: boolean;
  /** Epoch ms of their last edit or caret move, as they published it; null if unknown. */
  lastActive: number | null;
}

/** Everyone in the room with a name (self first, then by name), live from awareness. */
export function usePresence(awareness: Awareness): Participant[] {
  const store = useMemo(() => createPresenceStore(awareness), [awareness]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

function createPresenceStore(awareness: Awareness) {
  let snapshot = readParticipants(awareness);
  return {
    subscribe(onChange: () => void) {
      // Most awareness changes are someone's caret moving, which the people list does not
      // show: the list (and whoever renders it) changes only when what it holds does.
      const update = () => {
        const next = readParticipants(awareness);
        if (sameParticipants(next, snapshot)) return;
        snapshot = next;
        onChange();
      };
      awareness.on('change', update);
      update();
      return () => awareness.off('change', update);
    },
    getSnapshot: () => snapshot,
  };
}

function readParticipants(awareness: Awareness): Participant[] {
  const participants: Participant[] = [];
  awareness.getStates().forEach((state, clientId) => {
    const user = readPresenceUser(state);
    if (!user) return;
    participants.push({
      clientId,
      name: user.name,
      color: user.color,
      isSelf: clientId === awareness.clientID,
      viewing: user.viewing === true,
      commenting: user.commenting === true,
      lastActive: readLastActive(state),
    });
  });
  return participants.sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name));
}

function sameParticipants(a: Participant[], b: Participant[]): boolean {
  return (
    a.length === b.length &&
    a.every((person, index) => {
      const other = b[index];
      return (
        person.clientId === other.clientId &&
        person.name === other.name &&
        person.color === other.color &&
        person.isSelf === other.isSelf &&
        person.viewing === other.viewing &&
        person.commenting === other.commenting &&
        person.lastActive === other.lastActive
      );
    })
  );
}
