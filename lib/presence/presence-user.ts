/**
 * What each person publishes as their awareness `user` field: their identity, plus
 * `viewing: true` for someone reading through a view link, so everyone can tell readers from
 * writers. Pure functions, shared by the editor, the viewer and the presence list.
 */
import type { PresenceIdentity } from '../prefs/identity';
import { isPresenceState } from '../protocol/presence-schema';

/** The awareness `user` field (also what CollaborationCaret draws carets from). */
export interface PresenceUser extends PresenceIdentity {
  /** Present and true only for people on a view-only link. */
  viewing?: true;
}

/** The `user` field for this person: marked as viewing when they cannot edit. */
export function presenceUserFor(identity: PresenceIdentity, { viewing }: { viewing: boolean }): PresenceUser {
  return viewing ? { name: identity.name, color: identity.color, viewing: true } : { name: identity.name, color: identity.color };
}

/**
 * Reads a client's awareness state: its `user` field, or null unless the whole state is in
 * Tandem's presence schema (lib/protocol/presence-schema.ts). The colour goes into CSS (the avatar's
 * background), so only `#rrggbb` ever gets there, never a `url(...)` that every participant's
 * browser would fetch; the name is 1–40 characters of plain text.
 */
export function readPresenceUser(state: unknown): PresenceUser | null {
  if (!isPresenceState(state) || !state.user) return null;
  const { name, color, viewing } = state.user;
  return viewing ? { name, color, viewing: true } : { name, color };
}
